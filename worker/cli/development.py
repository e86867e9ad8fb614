"""The CLI's development commands: demo, run (the dev stack), sandbox.

The only CLI module allowed to import ``worker.devtools`` (ruff TID251); it does
so inside each command, so the product commands load without the dev tools.
"""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console

from worker.config import SandboxSettings, database_url, target_is_embedded
from worker.db.cluster import Cluster

console = Console(width=None if sys.stdout.isatty() else 130)


@click.command()
def demo() -> None:
    """See it work: seed a small company, play a day through the API, sync to the Keka sandbox."""
    from worker.devtools import demo as tour

    if target_is_embedded():
        Cluster().start()
    started = time.monotonic()
    result = tour.run(database_url(), lambda message: console.print(f"[dim]· {message}[/dim]"))
    tour.show(result, console)
    console.print(f"[dim]demo took {time.monotonic() - started:.1f} s[/dim]")


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
