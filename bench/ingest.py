"""``python -m bench.ingest``: only the bulk-ingest figure of ``make bench``, quickly.

The same code as the full run (``bench.run``: a company, its history through
the bulk path, then 100,000 more events through ``app.import_events_v1``
against COPY of the same rows into a bare table, median of 3), on a shorter
history, with the server CPU time of both beside the wall clock (on a shared
machine the wall clock also counts the time a backend waited for a core).
"""

from __future__ import annotations

import datetime as dt
import statistics

import click

from bench import loader
from bench.database import server
from bench.generator import build_company, days_between
from bench.pgrest import ist_today
from bench.run import split_for_ingest
from bench.timing import BackendCpu


@click.command(name="bench-ingest", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--scale", default=2000, show_default=True, help="employees")
@click.option("--days", default=31, show_default=True, help="days of history loaded before the measured events")
@click.option("--events", default=100_000, show_default=True, help="events in the measured ingest")
@click.option("--seed", default=6, show_default=True)
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(scale: int, days: int, events: int, seed: int, database_url: str | None) -> None:
    """The bulk ingest (daily_status and outbox included) against COPY of the same rows: wall and server CPU."""
    end = ist_today() - dt.timedelta(days=2)
    history = days_between(end - dt.timedelta(days=days - 1), end)
    with server(database_url) as srv:
        db = srv.create("hithonix_bench")
        company = build_company(scale, seed)
        with db.connect() as conn:
            loader.insert_employees(conn, company.employees)
        before, chunk, _ = split_for_ingest(seed, company.employees, history, events)
        with db.connect() as conn:
            loader.load_history(conn, seed, company.employees, before, events)
            conn.execute("analyze")
            copies: list[float] = []
            copies_cpu: list[float] = []
            for _ in range(3):
                with BackendCpu(conn) as copy_cpu:
                    copies.append(loader.copy_baseline(conn, chunk))
                copies_cpu.append(copy_cpu.seconds or 0.0)
            with BackendCpu(conn) as ingest_cpu:
                measured = loader.bulk_ingest(conn, chunk)
        srv.drop_all()
    copy_s, copy_cpu_s = statistics.median(copies), statistics.median(copies_cpu)
    click.echo(
        f"bulk ingest of {measured.rows:,} events: {measured.total_seconds:.2f} s wall vs COPY {copy_s:.3f} s = "
        f"{measured.total_seconds / copy_s:.1f}x (target <= 8x); "
        f"of which the arrays built {measured.arrays_seconds:.2f} s, "
        f"the bulk call (arrays sent) {measured.insert_seconds:.2f} s"
    )
    if ingest_cpu.seconds is not None and copy_cpu_s:
        ratio = ingest_cpu.seconds / copy_cpu_s
        click.echo(f"server CPU: {ingest_cpu.seconds:.2f} s vs COPY {copy_cpu_s:.3f} s = {ratio:.1f}x")


if __name__ == "__main__":
    main()
