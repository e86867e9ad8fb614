"""``python -m bench``: parse options, run, print the table, save the JSON.

Exit status 0 whether targets pass or miss (the verdicts are the output);
1 when the run itself failed.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from bench import figures, ledger_chain, partitioning, report
from bench.profile import FunctionCost
from bench.run import Options, execute
from bench.timing import Phases

_DEFAULTS = Options()


@click.command(name="bench", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--scale", type=click.IntRange(10, 10_000), default=_DEFAULTS.scale, show_default=True, help="employees")
@click.option(
    "--days",
    type=click.IntRange(min=31),
    default=_DEFAULTS.days,
    show_default=True,
    help="days of history (a month is read, so at least 31)",
)
@click.option(
    "--seed", type=int, default=_DEFAULTS.seed, show_default=True, help="generator seed (same seed, same data)"
)
@click.option(
    "--database-url",
    default=None,
    help="use this server (creates and drops hithonix_bench*) instead of a throwaway cluster",
)
@click.option("--clients", type=int, default=_DEFAULTS.clients, show_default=True, help="concurrent punch clients")
@click.option(
    "--pgbench-seconds",
    type=click.IntRange(min=2),
    default=_DEFAULTS.pgbench_seconds,
    show_default=True,
    help="duration of each pgbench run (bare INSERT, envelope, punch, bare again)",
)
@click.option(
    "--ingest-events", type=int, default=_DEFAULTS.ingest_events, show_default=True, help="events in the bulk ingest"
)
@click.option(
    "--keka-events", type=int, default=_DEFAULTS.keka_events, show_default=True, help="events the Keka push drains"
)
@click.option("--growth-employees", type=int, default=None, help="employees in the growth database")
@click.option(
    "--growth-factor", type=int, default=_DEFAULTS.growth_factor, show_default=True, help="ledger growth factor"
)
def main(**given: Any) -> None:
    """Hithonix benchmarks: every figure with its baseline from the same run (bench/README.md)."""
    run(Options(**given))


def costs_table(title: str, costs: list[FunctionCost], unit: str) -> Table:
    table = Table(title=title)
    for column in ("function", f"calls/{unit}", f"total ms/{unit}", f"self ms/{unit}"):
        table.add_column(column, justify="left" if column == "function" else "right")
    for cost in costs[:8]:
        table.add_row(
            cost.function, f"{cost.calls_per_unit:g}", f"{cost.total_ms_per_unit:.3f}", f"{cost.self_ms_per_unit:.3f}"
        )
    return table


def run(options: Options) -> None:
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
    partitioning.measure_and_report(partitioning.Options(database_url=options.database_url), console)
    ledger_chain.measure_and_report(ledger_chain.Options(database_url=options.database_url), console)


if __name__ == "__main__":
    main(prog_name="python -m bench")
