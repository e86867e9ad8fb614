"""The tamper-evident ledger's cost (issue 14, part 7): before and after, in one run.

``python -m bench.ledger_chain`` (also the last phase of ``make bench``) builds
two databases on one server, with the same employees and the same history:

- ``before``: migrated by the tree of ``--before`` (default: the commit just
  before migration 0088 entered this branch's first-parent history, i.e. the
  product without the hash chain), with that revision's own runner;
- ``after``: this tree (the chain computed in the insert trigger, set-based on
  the bulk path).

Figures, each the after/before ratio of the same measurement on both:

- the punch path: ``pgbench`` running ``bench/pgbench/punch.sql`` (clock-in then
  clock-out through PostgREST's envelope, ``-M prepared``, ``--clients``
  clients), tx/s; runs alternate before/after twice and each side's mean is
  used; with ``synchronous_commit=off`` so the ratio is the work per
  transaction, not the shared disk's flush;
- bulk ingest: ``--ingest-events`` events (default 100,000) through
  ``app.import_events_v1`` (the rows as arrays, one call), seconds, with
  COPY of the same rows into a bare table in the same database as the
  baseline of each;
- the chain's share of a punch's server time (after only; robust to a busy
  machine): ``track_functions`` over one more pgbench run, the chain trigger
  and the head lock against the whole ``app.record_punch``;
- verification (after only): ``app.ledger_first_break`` over the employees'
  whole chains, rows/s.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from bench import loader, transactions
from bench.database import BenchDatabase, Server, server
from bench.generator import build_company, days_between, window_events
from bench.report import RESULTS_DIR
from tests.upgrade import build_at_revision
from worker.config import ROOT

CHAIN_MIGRATION = "migrations/0088_ledger_chain.sql"


@dataclass(frozen=True)
class Options:
    employees: int = 300
    history_days: int = 20
    ingest_events: int = 100_000
    clients: int = 4
    pgbench_seconds: int = 8
    seed: int = 14
    before: str | None = None
    database_url: str | None = None


def revision_before_chain() -> str:
    """The first-parent commit before the one that brought the chain migration into HEAD's history."""
    added = subprocess.run(
        ["git", "log", "--first-parent", "--diff-filter=A", "--format=%H", "-1", "--", CHAIN_MIGRATION],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not added:
        raise click.ClickException(f"{CHAIN_MIGRATION} is not in this checkout's history: pass --before REV")
    return added + "^1"


def create_before(srv: Server, name: str, rev: str) -> BenchDatabase:
    db = srv.create_empty(name)
    build_at_revision(db.owner_url, rev)
    return db


def punch_tps(db: BenchDatabase, o: Options) -> float:
    rate = transactions.run_script(
        db.authenticator_url,
        "punch.sql",
        o.clients,
        o.pgbench_seconds,
        per_client=50,
        transactions_per_run=2,
        flush=False,
    )
    if not rate.ok:
        raise RuntimeError(f"pgbench punch.sql failed:\n{rate.output}")
    return rate.tps


PROFILE = """
select f.funcname, f.calls, f.total_time, f.self_time
from pg_stat_user_functions as f
where f.schemaname = 'app' and f.funcname in ('record_punch', 'tg_attendance_events__chain', 'lock_ledger_chain_head')
"""


def punch_profile(db: BenchDatabase, o: Options) -> dict[str, Any]:
    """Server time per punch: the chain's functions against the whole punch (track_functions, one pgbench run)."""
    with db.connect() as conn:
        conn.execute(f"alter database \"{db.name}\" set track_functions = 'all'")
        conn.execute("select pg_stat_reset()")
    punch_tps(db, o)
    time.sleep(1)  # statistics are flushed when the sessions end
    with db.connect() as conn:
        rows = {name: (calls, total, own) for name, calls, total, own in conn.execute(PROFILE)}
        conn.execute(f'alter database "{db.name}" reset track_functions')
    punches = rows.get("record_punch", (0, 0.0, 0.0))[0] or 1
    punch_ms = rows.get("record_punch", (0, 0.0, 0.0))[1] / punches
    chain_ms = sum(total for name, (_, total, _) in rows.items() if name != "record_punch") / punches
    return {"punches": punches, "punch_ms": punch_ms, "chain_ms": chain_ms, "share": chain_ms / punch_ms}


def ingest(db: BenchDatabase, events: list[Any]) -> dict[str, float]:
    with db.connect() as conn:
        timing = loader.bulk_ingest(conn, events)
        copy = loader.copy_baseline(conn, events)
        conn.execute("analyze app.attendance_events")
    return {"rows": timing.rows, "seconds": timing.total_seconds, "copy_seconds": copy}


def verify_rate(db: BenchDatabase) -> dict[str, float]:
    with db.connect() as conn:
        rows = conn.execute("select count(*) from app.attendance_events").fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        broken = conn.execute(
            "select count(*) from app.employees as e where app.ledger_first_break(e.id, null, null) is not null"
        ).fetchone()[0]  # type: ignore[index]
        seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "broken_chains": broken}


def run(o: Options, console: Console) -> dict[str, Any]:
    before_rev = o.before or revision_before_chain()
    company = build_company(o.employees, o.seed)
    # the measured chunk: the newest days (ending three days ago), after the history
    last = dt.date.today() - dt.timedelta(days=3)
    k = math.ceil(o.ingest_events / (len(company.employees) * loader.EVENTS_PER_EMPLOYEE_DAY)) + 1
    while True:
        chunk_days = days_between(last - dt.timedelta(days=k - 1), last)
        chunk = list(window_events(o.seed, company.employees, chunk_days))
        if len(chunk) >= o.ingest_events:
            break
        k += 2
    chunk = chunk[: o.ingest_events]
    first = chunk_days[0] - dt.timedelta(days=o.history_days)
    history = days_between(first, chunk_days[0] - dt.timedelta(days=1))
    raw: dict[str, Any] = {"before_revision": before_rev, "options": asdict(o)}
    with server(o.database_url) as srv:
        console.print(f"before: {before_rev}; after: this tree; server: {srv.description}")
        dbs = {
            "before": create_before(srv, "hithonix_bench_chain_before", before_rev),
            "after": srv.create("hithonix_bench_chain_after"),
        }
        for side, db in dbs.items():
            with db.connect() as conn:
                loader.insert_employees(conn, company.employees)
                loader.load_history(conn, o.seed, company.employees, history, 50_000)
                conn.execute("vacuum analyze")
            transactions.prepare(db, o.clients, 50)
            console.print(f"{side}: {len(company.employees)} employees, {len(history)} days of history loaded")
        tps: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(2):
            for side in ("before", "after"):
                tps[side].append(punch_tps(dbs[side], o))
                console.print(f"punch pgbench {side}: {tps[side][-1]:.0f} tx/s")
        raw["punch_tps"] = tps
        raw["punch_profile"] = punch_profile(dbs["after"], o)
        console.print(f"server time per punch (after): {raw['punch_profile']}")
        raw["ingest"] = {}
        for side in ("before", "after"):
            raw["ingest"][side] = ingest(dbs[side], chunk)
            console.print(f"bulk {side}: {raw['ingest'][side]}")
        raw["verify"] = verify_rate(dbs["after"])
    return raw


def figures(raw: dict[str, Any]) -> list[dict[str, Any]]:
    before_tps = statistics.mean(raw["punch_tps"]["before"])
    after_tps = statistics.mean(raw["punch_tps"]["after"])
    b, a = raw["ingest"]["before"], raw["ingest"]["after"]
    return [
        {
            "figure": "punch path (pgbench punch.sql, tx/s)",
            "before": before_tps,
            "after": after_tps,
            "ratio": after_tps / before_tps,
            "reads": "after/before tx/s: 1.0 = free",
        },
        {
            "figure": "chain's share of the punch's server time (ms)",
            "before": raw["punch_profile"]["punch_ms"],
            "after": raw["punch_profile"]["chain_ms"],
            "ratio": raw["punch_profile"]["share"],
            "reads": "before = whole app.record_punch, after = chain trigger + head lock; ratio = share",
        },
        {
            "figure": f"bulk {b['rows']:,} events (s)",
            "before": b["seconds"],
            "after": a["seconds"],
            "ratio": a["seconds"] / b["seconds"],
            "reads": "after/before seconds: 1.0 = free",
        },
        {
            "figure": "bulk vs COPY of the same rows (x)",
            "before": b["seconds"] / b["copy_seconds"],
            "after": a["seconds"] / a["copy_seconds"],
            "ratio": (a["seconds"] / a["copy_seconds"]) / (b["seconds"] / b["copy_seconds"]),
            "reads": "each side against its own COPY",
        },
        {
            "figure": "verify every chain (rows/s)",
            "before": None,
            "after": raw["verify"]["rows_per_second"],
            "ratio": None,
            "reads": f"{raw['verify']['rows']:,} rows, {raw['verify']['broken_chains']} broken chains",
        },
    ]


def render(console: Console, figs: list[dict[str, Any]]) -> None:
    table = Table(title="tamper-evident ledger: cost of the hash chain (same run)")
    for column in ("figure", "before", "after", "after/before", "how to read"):
        table.add_column(column, justify="left" if column in ("figure", "how to read") else "right")

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:,.2f}"

    for f in figs:
        table.add_row(f["figure"], num(f["before"]), num(f["after"]), num(f["ratio"]), f["reads"])
    console.print(table)


def measure_and_report(options: Options, console: Console) -> Path:
    """Run, print the table, save ``bench/results/ledger-chain-latest.json``; ``make bench`` calls it last."""
    console.rule("tamper-evident ledger (issue 14): the hash chain's cost")
    raw = run(options, console)
    figs = figures(raw)
    render(console, figs)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "ledger-chain-latest.json"
    document = {"timestamp": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"), "figures": figs, "raw": raw}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    console.print(f"saved {path}")
    return path


_DEFAULTS = Options()


@click.command(name="ledger_chain", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--employees", type=click.IntRange(min=10), default=_DEFAULTS.employees, show_default=True)
@click.option("--history-days", type=click.IntRange(min=1), default=_DEFAULTS.history_days, show_default=True)
@click.option("--ingest-events", type=click.IntRange(min=100), default=_DEFAULTS.ingest_events, show_default=True)
@click.option("--clients", type=click.IntRange(min=1), default=_DEFAULTS.clients, show_default=True)
@click.option("--pgbench-seconds", type=click.IntRange(min=1), default=_DEFAULTS.pgbench_seconds, show_default=True)
@click.option("--seed", type=int, default=_DEFAULTS.seed, show_default=True)
@click.option("--before", default=None, help="revision without the chain (default: the commit before it came in)")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(**given: Any) -> None:
    """The hash chain's cost on the punch path and on bulk ingest, before vs after, same run."""
    measure_and_report(Options(**given), Console(width=None if sys.stdout.isatty() else 160))


if __name__ == "__main__":
    main(prog_name="python -m bench.ledger_chain")
