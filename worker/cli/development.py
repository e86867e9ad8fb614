"""The CLI's development commands: demo, run (the dev stack), sandbox, graph-sandbox.

The only CLI module allowed to import ``worker.devtools`` (ruff TID251); it does
so inside each command, so the product commands load without the dev tools.
"""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console

from worker.config import ConfigError, GraphSandboxSettings, SandboxSettings, database_url, target_is_embedded
from worker.db.cluster import Cluster

console = Console(width=None if sys.stdout.isatty() else 130)


@click.command()
@click.option(
    "--seed-only",
    is_flag=True,
    help="Seed the front desk's frontend data set into the target database (DATABASE_URL or embedded) "
    "and print identities, tokens, the kiosk key and the README's shell variables; no tour.",
)
@click.option("--reset", is_flag=True, help="Drop, recreate and migrate the target database (local hithonix* only).")
def demo(seed_only: bool, reset: bool) -> None:
    """See it work: seed a small company, play a day through the API, sync to the Keka sandbox."""
    from worker.devtools import demo as tour

    if target_is_embedded():
        Cluster().start()
    if seed_only or reset:
        from worker.devtools import demo_frontdesk

        def say(message: str) -> None:
            console.print(f"[dim]· {message}[/dim]")

        try:
            if reset:
                demo_frontdesk.reset(database_url(), say)
            if seed_only:
                show_seed(demo_frontdesk.seed(database_url(), say))
        except (demo_frontdesk.SeedError, ConfigError) as exc:
            console.print(f"[red]{exc}[/red]")
            sys.exit(1)
        return
    started = time.monotonic()
    result = tour.run(database_url(), lambda message: console.print(f"[dim]· {message}[/dim]"))
    tour.show(result, console)
    console.print(f"[dim]demo took {time.monotonic() - started:.1f} s[/dim]")


def show_seed(result: object) -> None:
    """The seeded identities, then the shell lines the README's curl examples use."""
    from rich.table import Table

    from worker.devtools.demo_frontdesk import SeedResult

    assert isinstance(result, SeedResult)
    table = Table(title="front desk identities (tokens valid 12 h; the kiosk key is shown once)")
    for column in ("who", "role", "id", "token / key"):
        table.add_column(column, overflow="fold")
    for row in result.identities:
        table.add_row(*row)
    console.print(table)
    console.print(", ".join(f"{n} {what}" for what, n in result.counts.items()))
    print(result.exports())


@click.command()
def run() -> None:
    """Database, migrations, Keka sandbox, worker (and PostgREST when installed)."""
    from worker.devtools import devstack

    sys.exit(devstack.main())


@click.command()
@click.option("--host", default=SandboxSettings().host, show_default=True, help="KEKA_SANDBOX_HOST")
@click.option("--port", default=SandboxSettings().port, show_default=True, type=int, help="KEKA_SANDBOX_PORT")
@click.pass_context
def sandbox(context: click.Context, host: str, port: int) -> None:
    """Run the local Keka sandbox (logs ingestion, token, HRIS employees)."""
    from worker.devtools.keka_sandbox import main as sandbox_main

    context.invoke(sandbox_main, host=host, port=port)


@click.command("graph-sandbox")
@click.option("--host", default=GraphSandboxSettings().host, show_default=True, help="GRAPH_SANDBOX_HOST")
@click.option("--port", default=GraphSandboxSettings().port, show_default=True, type=int, help="GRAPH_SANDBOX_PORT")
@click.pass_context
def graph_sandbox(context: click.Context, host: str, port: int) -> None:
    """Run the local Microsoft Graph sandbox (HTTPS: token endpoint, calendar events, fault switches)."""
    from worker.devtools.graph_sandbox import main as graph_sandbox_main

    context.invoke(graph_sandbox_main, host=host, port=port)
