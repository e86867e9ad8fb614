"""``python -m bench.imports`` (also run by ``make bench``): attendance imports at 100,000 rows.

Baseline, same run, same file: COPY of the CSV into a bare table (five text
columns, committed). Figures (issue 13):
- prepare (the CLI's path: the file streamed by COPY into a temp table, then
  ``app.import_stage`` parses and validates every row in one statement) ≤ 3x;
- commit of the 100,000 rows in one transaction on the set-based bulk path
  (daily_status derivation and the outbox included) ≤ 8x;
- one preview page at 100,000 staged rows (effect already computed) ≤ 50 ms p95;
  the first preview's dry run (the commit's own write, rolled back) is printed
  beside it;
- the CLI's peak memory (max RSS) for 10,000 and 100,000 rows: flat.
Results also go to ``bench/results/imports.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
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
from bench.timing import sample
from worker.imports import session

RESULTS = Path(__file__).resolve().parent / "results"
HEADER = "employee,event_type,local_time,time_zone,note\n"


def write_file(path: Path, employees: int, days: int, seed: int) -> int:
    """Four punches per employee-day (in, lunch, lunch end, out), in the past."""
    rng = random.Random(seed)
    first = dt.date(2026, 6, 1)
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


@click.command(name="bench-imports", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--employees", default=1000, show_default=True)
@click.option("--days", default=25, show_default=True, help="4 rows per employee-day: 1000 x 25 = 100,000")
@click.option("--seed", default=13, show_default=True)
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(employees: int, days: int, seed: int, database_url: str | None) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    figures: dict[str, Any] = {}
    with server(database_url) as srv, tempfile.TemporaryDirectory(prefix="hithonix-imports-") as tmp:
        db = srv.create("hithonix_bench_imports")
        big = Path(tmp) / "big.csv"
        small = Path(tmp) / "small.csv"
        rows = write_file(big, employees, days, seed)
        small_rows = write_file(small, employees, max(1, days // 10), seed + 1)
        with db.connect() as conn:
            seed_employees(conn, employees)
            conn.execute(  # one transaction for the whole file: the commit figure is the set-based write itself
                "update app.settings set value = '1000000' "
                "where key in ('import_async_threshold_rows', 'import_max_rows')"
            )
            baseline = copy_baseline(conn, big)

            started = time.perf_counter()
            prepared = session.prepare(conn, big, "csv")
            prepare_s = time.perf_counter() - started
            assert prepared["counts"]["VALID"] == rows, prepared["counts"]
            conn.execute("analyze app.import_rows")

            started = time.perf_counter()
            session.preview(conn, prepared["token"], 50, 0)
            dry_run_s = time.perf_counter() - started
            offsets = iter(random.Random(seed).randrange(0, rows - 50) for _ in range(1000))
            page = sample(lambda: session.preview(conn, prepared["token"], 50, next(offsets)), repeat=50)
            errors_page = sample(lambda: session.preview(conn, prepared["token"], 50, 0, "ERROR"), repeat=20)

            started = time.perf_counter()
            committed = session.commit(conn, prepared["token"], "bench")
            commit_s = time.perf_counter() - started
            assert committed["effect"]["events"] == rows, committed
            differences = conn.execute(
                "select count(*) from app.daily_status_differences('2026-06-01', '2026-12-31')"
            ).fetchone()
            assert differences == (0,), "stored daily_status equals recomputed after the import"

        rss_small = cli_peak_rss_kib(db.owner_url, small)
        rss_big = cli_peak_rss_kib(db.owner_url, big)
        srv.drop_all()

    figures = {
        "rows": rows,
        "file_bytes": big.stat().st_size if big.exists() else None,
        "copy_baseline_s": baseline,
        "prepare_s": prepare_s,
        "prepare_ratio": prepare_s / baseline,
        "commit_s": commit_s,
        "commit_ratio": commit_s / baseline,
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
        "commit (ledger + daily_status + outbox)",
        f"{commit_s:.2f} s",
        f"{commit_s / baseline:.1f}x",
        "≤ 8x",
        verdict(commit_s / baseline <= 8),
    )
    table.add_row(
        "preview page of 50 at 100k staged", f"{page.p95_ms:.1f} ms p95", "—", "≤ 50 ms", verdict(page.p95_ms <= 50)
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


if __name__ == "__main__":
    main()
