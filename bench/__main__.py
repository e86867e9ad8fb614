"""``python -m bench``: parse options, run, print the table, save the JSON.

Exit status 0 whether targets pass or miss (the verdicts are the output);
1 when the run itself failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time

from rich.console import Console
from rich.table import Table

from bench import figures, report
from bench.profile import FunctionCost
from bench.run import Options, execute
from bench.timing import Phases


def parse(argv: list[str]) -> Options:
    d = Options()
    p = argparse.ArgumentParser(prog="python -m bench", description="Hithonix benchmarks (issue #6).")
    p.add_argument("--scale", type=int, default=d.scale, help=f"employees (default {d.scale}; up to 10000)")
    p.add_argument("--days", type=int, default=d.days, help=f"days of history (default {d.days})")
    p.add_argument("--seed", type=int, default=d.seed, help="generator seed (same seed, same data)")
    p.add_argument(
        "--database-url",
        default=None,
        help="use this server (creates and drops hithonix_bench*) instead of a throwaway cluster",
    )
    p.add_argument("--clients", type=int, default=d.clients, help="concurrent punch clients")
    p.add_argument("--ingest-events", type=int, default=d.ingest_events, help="events in the bulk ingest figure")
    p.add_argument("--keka-events", type=int, default=d.keka_events, help="events the Keka push drains")
    p.add_argument("--growth-employees", type=int, default=None, help="employees in the growth database")
    p.add_argument("--growth-factor", type=int, default=d.growth_factor, help="ledger growth factor")
    a = p.parse_args(argv)
    if not 10 <= a.scale <= 10_000:
        p.error("--scale must be between 10 and 10000")
    if a.days < 31:
        p.error("--days must be at least 31 (a month is read)")
    return Options(
        scale=a.scale,
        days=a.days,
        seed=a.seed,
        database_url=a.database_url,
        clients=a.clients,
        ingest_events=a.ingest_events,
        keka_events=a.keka_events,
        growth_employees=a.growth_employees,
        growth_factor=a.growth_factor,
    )


def costs_table(title: str, costs: list[FunctionCost], unit: str) -> Table:
    table = Table(title=title)
    for column in ("function", f"calls/{unit}", f"total ms/{unit}", f"self ms/{unit}"):
        table.add_column(column, justify="left" if column == "function" else "right")
    for c in costs[:8]:
        table.add_row(c.function, f"{c.calls_per_unit:g}", f"{c.total_ms_per_unit:.3f}", f"{c.self_ms_per_unit:.3f}")
    return table


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    phases = Phases()
    started = time.perf_counter()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    console.rule(f"hithonix bench — {options.scale:,} employees x {options.days} days, seed {options.seed}")
    raw = execute(options, console, phases)
    total = time.perf_counter() - started
    figs = figures.build(raw, options.scale, options.growth_factor, total)

    console.print(costs_table("evidence: server time per punch (track_functions)", raw["punch_profile"], "punch"))
    console.print(
        costs_table("evidence: server time per bulk-ingested row", raw["ingest"]["function_costs_per_row"], "row")
    )
    triggers = [line for line in raw["ingest"]["explain"].splitlines() if line.startswith(("Trigger", "Execution"))]
    console.print("bulk INSERT, EXPLAIN ANALYZE trigger times:\n  " + "\n  ".join(triggers))
    report.render(
        console,
        figs,
        phases.seconds,
        f"hithonix bench: {options.scale:,} employees, {options.days} days, {os.cpu_count()} cores, "
        f"PostgreSQL {raw['postgres'].get('server_version', '?')}",
    )
    document = {
        "meta": {
            "timestamp": stamp,
            "scale": options.scale,
            "options": options,
            "machine": {"nproc": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
            "postgres": raw["postgres"],
            "server": raw["server"],
            "total_seconds": total,
        },
        "phases": phases.seconds,
        "figures": figs,
        "raw": raw,
    }
    path = report.save(document, stamp)
    misses = [f.key for f in figs if f.verdict == "miss"]
    console.print(
        f"saved {path} and {path.parent / 'latest.json'}; {total:.0f} s; misses: {', '.join(misses) or 'none'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
