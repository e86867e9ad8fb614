"""``python -m bench.imports`` (also run by ``make bench``): attendance imports at 100,000 rows.

Baseline, same run, same file: COPY of the CSV into a bare table (five text
columns, committed). Figures (issue 13):
- prepare (the CLI's path: the file streamed by COPY into a temp table, then
  ``app.import_stage`` parses and validates every row in one statement) ≤ 3x;
- commit of the 100,000 rows in one transaction on the set-based bulk path
  (daily_status derivation and the outbox included) ≤ 8x, twice: in the
  request (threshold raised) and as the worker job that a large commit
  becomes (``worker.imports.job.run_commit``, as ``hithonix_worker``, on a
  second file of the same size; its own COPY baseline);
- one preview page at 100,000 staged rows (effect already computed) ≤ 50 ms p95;
  the first preview's dry run (the commit's own write, rolled back) is printed
  beside it;
- the CLI's peak memory (max RSS) for 10,000 and 100,000 rows: flat.
Floors, same run: the prepare's rows and the commit's events written by one
``INSERT … SELECT`` into a fresh table of the same shape (columns, checks,
indexes; no triggers): what each step costs at the least, whatever its SQL.
Beside the wall clock, the server CPU time of the COPY, the prepare and the
commit (the backend's /proc stat): on a shared machine the wall clock also
counts the time a backend waited for a core.
``--rows`` scales the files (``make bench IMPORT_ROWS=20000`` for a quick run).
Results also go to ``bench/results/imports.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.console import Console
from rich.table import Table

from bench.database import server
from bench.timing import BackendCpu, sample
from worker.imports import session
from worker.imports.job import PART_ROWS, run_commit

RESULTS = Path(__file__).resolve().parent / "results"
HEADER = "employee,event_type,local_time,time_zone,note\n"


FIRST_DAY = dt.date(2026, 6, 1)


def write_file(path: Path, employees: int, days: int, seed: int, first: dt.date = FIRST_DAY) -> int:
    """Four punches per employee-day (in, lunch, lunch end, out), in the past."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for day in range(days):
            date = first + dt.timedelta(days=day)
            for number in range(employees):
                start = 9 * 60 + 30 + rng.randint(0, 60)
                lunch = 13 * 60 + rng.randint(0, 30)
                for kind, minute in (
                    ("CLOCK_IN", start),
                    ("LUNCH_START", lunch),
                    ("LUNCH_END", lunch + 30 + rng.randint(0, 15)),
                    ("CLOCK_OUT", 19 * 60 + rng.randint(0, 60)),
                ):
                    out.write(f"E-{number:05d},{kind},{date} {minute // 60:02d}:{minute % 60:02d},,\n")
                    rows += 1
    return rows


def seed_employees(conn: psycopg.Connection, employees: int) -> None:
    conn.execute(
        "insert into app.employees (email, full_name, employee_number, shift_config) "
        "select format('e%%s@bench.example', n), format('Employee %%s', n), format('E-%%s', lpad(n::text, 5, '0')), "
        '\'{"shift_type": "FLEXIBLE"}\' from generate_series(0, %s - 1) as n',
        [employees],
    )
    conn.execute("analyze app.employees")


def copy_baseline(conn: psycopg.Connection, path: Path) -> float:
    conn.execute("create schema if not exists bench")
    conn.execute(
        "create table if not exists bench.import_copy "
        "(employee text, event_type text, local_time text, time_zone text, note text)"
    )
    conn.execute("truncate bench.import_copy")
    started = time.perf_counter()
    with (
        conn.transaction(),
        conn.cursor().copy("copy bench.import_copy from stdin (format csv, header true)") as copy,
        path.open("rb") as handle,
    ):
        while chunk := handle.read(1 << 16):
            copy.write(chunk)
    return time.perf_counter() - started


def cli_peak_rss_kib(url: str, path: Path) -> int:
    """Max RSS of one ``hithonix import FILE`` (prepare only), in KiB."""
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker", "import", str(path), "--format", "csv"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"the CLI failed: {proc.stderr.read().decode() if proc.stderr else status}")
    return int(usage.ru_maxrss)


def verdict(ok: bool) -> str:
    return "pass" if ok else "miss"


def median_copy(conn: psycopg.Connection, path: Path, runs: int = 3) -> float:
    return statistics.median(copy_baseline(conn, path) for _ in range(runs))


def median_copy_cpu(conn: psycopg.Connection, path: Path, runs: int = 3) -> float | None:
    """The backend CPU seconds of the COPY baseline (median of ``runs``)."""
    spent = []
    for _ in range(runs):
        with BackendCpu(conn) as cpu:
            copy_baseline(conn, path)
        spent.append(cpu.seconds)
    return None if None in spent else statistics.median(s for s in spent if s is not None)


def insert_floor(conn: psycopg.Connection, shape: str, source: str) -> tuple[float, float | None]:
    """Wall and server CPU seconds of one INSERT … SELECT of ``source``'s rows into a fresh table
    shaped like ``shape`` (columns, defaults, checks, indexes; no triggers, no RLS), committed.

    The floor a step writing those rows cannot go below whatever its SQL does:
    the rows' own write, without parsing, validation, derivation or outbox."""
    conn.execute("create schema if not exists bench")
    conn.execute("drop table if exists bench.floor, bench.floor_source")
    conn.execute(f"create table bench.floor (like {shape} including all)")
    # the rows read beforehand, so the figure is the write alone (not the lookup of the batch's rows)
    conn.execute(f"create table bench.floor_source as select * from {source}")
    conn.execute("vacuum analyze bench.floor_source")
    started = time.perf_counter()
    with BackendCpu(conn) as cpu:
        conn.execute("insert into bench.floor overriding system value select * from bench.floor_source")
    spent = time.perf_counter() - started
    conn.execute("drop table bench.floor, bench.floor_source")
    return spent, cpu.seconds


def differences(conn: psycopg.Connection) -> int:
    row = conn.execute("select count(*) from app.daily_status_differences('2026-05-30', '2026-12-31')").fetchone()
    return int(row[0]) if row else -1


@click.command(name="bench-imports", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rows", default=100_000, show_default=True, help="rows per file (the targets are stated at 100,000)")
@click.option("--days", default=25, show_default=True, help="4 rows per employee-day: employees = rows / (4 x days)")
@click.option("--seed", default=13, show_default=True)
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(rows: int, days: int, seed: int, database_url: str | None) -> None:
    """Imports at --rows rows: prepare, preview, commit (API and worker job) vs COPY; CLI memory."""
    run(rows, days, seed, database_url)


def run(rows_wanted: int, days: int, seed: int, database_url: str | None) -> dict[str, Any]:
    console = Console(width=None if sys.stdout.isatty() else 160)
    employees = max(1, rows_wanted // (4 * days))
    with server(database_url) as srv, tempfile.TemporaryDirectory(prefix="hithonix-imports-") as tmp:
        db = srv.create("hithonix_bench_imports")
        big, queued, small = Path(tmp) / "big.csv", Path(tmp) / "queued.csv", Path(tmp) / "small.csv"
        rows = write_file(big, employees, days, seed)
        # the worker job's file: the same size, on the days after the first file's
        write_file(queued, employees, days, seed + 2, FIRST_DAY + dt.timedelta(days=days))
        small_rows = write_file(small, employees, max(1, days // 10), seed + 1, FIRST_DAY - dt.timedelta(days=days))
        with db.connect() as conn:
            seed_employees(conn, employees)
            conn.execute(  # the first commit in the request's transaction, whatever its size
                "update app.settings set value = '1000000' "
                "where key in ('import_async_threshold_rows', 'import_max_rows')"
            )
            baseline = median_copy(conn, big)
            baseline_cpu = median_copy_cpu(conn, big)

            started = time.perf_counter()
            with BackendCpu(conn) as prepare_cpu:
                prepared = session.prepare(conn, big, "csv")
            prepare_s = time.perf_counter() - started
            assert prepared["counts"]["VALID"] == rows, prepared["counts"]
            conn.execute("analyze app.import_rows")
            # prepare's floor: its rows written as they are, without parsing or validating them
            rows_floor_s, rows_floor_cpu = insert_floor(
                conn, "app.import_rows", f"app.import_rows where batch_id = {int(prepared['batch_id'])}"
            )

            started = time.perf_counter()
            session.preview(conn, prepared["token"], 50, 0)
            dry_run_s = time.perf_counter() - started
            offsets = iter(random.Random(seed).randrange(0, rows - 50) for _ in range(1000))
            page = sample(lambda: session.preview(conn, prepared["token"], 50, next(offsets)), repeat=50)
            errors_page = sample(lambda: session.preview(conn, prepared["token"], 50, 0, "ERROR"), repeat=20)

            started = time.perf_counter()
            with BackendCpu(conn) as commit_cpu:
                committed = session.commit(conn, prepared["token"], "bench")
            commit_s = time.perf_counter() - started
            assert committed["status"] == "COMMITTED" and committed["effect"]["events"] == rows, committed
            assert differences(conn) == 0, "stored daily_status equals recomputed after the import"
            # commit's floor: its events written as they are, without triggers (no derivation, no outbox)
            ledger_floor_s, ledger_floor_cpu = insert_floor(
                conn,
                "app.attendance_events",
                f"app.attendance_events where id in (select id from app.import_events({int(prepared['batch_id'])}))",
            )

            # a large commit as the worker runs it: queued by the request, written by the job
            conn.execute("update app.settings set value = '1' where key = 'import_async_threshold_rows'")
            queued_baseline = median_copy(conn, queued)
            second = session.prepare(conn, queued, "csv")
            conn.execute("analyze app.import_rows")
            started = time.perf_counter()
            assert session.commit(conn, second["token"], "bench-queued")["status"] == "QUEUED"
            queue_s = time.perf_counter() - started
            started = time.perf_counter()
            job_result = run_commit(db.worker_url, second["batch_id"])
            job_s = time.perf_counter() - started
            assert job_result["effect"]["events"] == second["counts"]["VALID"], job_result
            assert differences(conn) == 0, "stored daily_status equals recomputed after the worker's import"

        rss_small = cli_peak_rss_kib(db.owner_url, small)
        rss_big = cli_peak_rss_kib(db.owner_url, big)
        srv.drop_all()

    figures: dict[str, Any] = {
        "rows": rows,
        "employees": employees,
        "file_bytes": big.stat().st_size if big.exists() else None,
        "copy_baseline_s": baseline,
        "prepare_s": prepare_s,
        "prepare_ratio": prepare_s / baseline,
        "commit_s": commit_s,
        "commit_ratio": commit_s / baseline,
        "prepare_floor_s": rows_floor_s,
        "prepare_floor_cpu_s": rows_floor_cpu,
        "commit_floor_s": ledger_floor_s,
        "commit_floor_cpu_s": ledger_floor_cpu,
        "copy_baseline_cpu_s": baseline_cpu,
        "prepare_cpu_s": prepare_cpu.seconds,
        "commit_cpu_s": commit_cpu.seconds,
        "worker_copy_baseline_s": queued_baseline,
        "worker_queue_s": queue_s,
        "worker_job_s": job_s,
        "worker_job_ratio": job_s / queued_baseline,
        "preview_dry_run_s": dry_run_s,
        "preview_page_p95_ms": page.p95_ms,
        "preview_page_p50_ms": page.p50_ms,
        "preview_errors_page_p95_ms": errors_page.p95_ms,
        "cli_rss_kib": {str(small_rows): rss_small, str(rows): rss_big},
        "cli_rss_ratio": rss_big / rss_small,
    }
    table = Table(title=f"imports, {rows:,} rows (baseline: COPY of the same file into a bare table, {baseline:.2f} s)")
    for column in ("figure", "measured", "ratio", "target", ""):
        table.add_column(column)
    table.add_row(
        "prepare (COPY + parse + validate)",
        f"{prepare_s:.2f} s",
        f"{prepare_s / baseline:.1f}x",
        "≤ 3x",
        verdict(prepare_s / baseline <= 3),
    )
    table.add_row(
        "commit in the request (ledger + daily_status + outbox)",
        f"{commit_s:.2f} s",
        f"{commit_s / baseline:.1f}x",
        "≤ 8x",
        verdict(commit_s / baseline <= 8),
    )
    if baseline_cpu and prepare_cpu.seconds is not None and commit_cpu.seconds is not None:
        for name, spent in (("prepare", prepare_cpu.seconds), ("commit in the request", commit_cpu.seconds)):
            table.add_row(
                f"↳ {name}: server CPU (COPY {baseline_cpu:.3f} s CPU)",
                f"{spent:.2f} s",
                f"{spent / baseline_cpu:.1f}x",
                "—",
                "info",
            )
    for name, spent, spent_cpu in (
        ("floor of prepare: its rows into import_rows' shape, no parsing", rows_floor_s, rows_floor_cpu),
        ("floor of commit: its events into the ledger's shape, no triggers", ledger_floor_s, ledger_floor_cpu),
    ):
        cpu_text = "" if spent_cpu is None else f" ({spent_cpu:.2f} s CPU)"
        table.add_row(f"↳ {name}", f"{spent:.2f} s{cpu_text}", f"{spent / baseline:.1f}x", "—", "info")
    table.add_row(
        f"commit as the worker job (parts of {PART_ROWS:,} rows)",
        f"{job_s:.2f} s",
        f"{job_s / queued_baseline:.1f}x",
        "≤ 8x",
        verdict(job_s / queued_baseline <= 8),
    )
    table.add_row("↳ the request that queues it", f"{queue_s * 1000:.0f} ms", "—", "—", "info")
    table.add_row(
        f"preview page of 50 at {rows:,} staged",
        f"{page.p95_ms:.1f} ms p95",
        "—",
        "≤ 50 ms",
        verdict(page.p95_ms <= 50),
    )
    table.add_row("↳ first preview: dry-run effect", f"{dry_run_s:.2f} s", f"{dry_run_s / baseline:.1f}x", "—", "info")
    table.add_row(
        f"CLI peak RSS, {small_rows:,} → {rows:,} rows",
        f"{rss_small // 1024} → {rss_big // 1024} MiB",
        f"{rss_big / rss_small:.2f}x",
        "flat (≤ 1.2x)",
        verdict(rss_big / rss_small <= 1.2),
    )
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "imports.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
