"""The operator CLI (``hithonix …`` or ``python -m worker …``).

Exit codes: 0 success, 1 the operation failed (message on stderr), 2 usage.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from worker.config import ClusterSettings, ConfigError, database_url
from worker.migrate import MigrationError, Migrator
from worker.pgcluster import Cluster

console = Console()
err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Hithonix attendance backend: database, worker and operator commands."""


@main.command("db-up")
def db_up() -> None:
    """Start the embedded cluster under .pgdata/ (initialised on first use)."""
    cluster = Cluster()
    cluster.start()
    console.print(f"embedded PostgreSQL running: {cluster.s.url()}")


@main.command("db-down")
def db_down() -> None:
    """Stop the embedded cluster (data is kept)."""
    Cluster().stop()
    console.print("embedded PostgreSQL stopped")


@main.command("db-status")
def db_status() -> None:
    """Say whether the embedded cluster runs; exit 1 when it does not."""
    cluster = Cluster()
    if cluster.running():
        console.print(f"running: {cluster.s.url()}")
    else:
        console.print(f"not running (data dir {ClusterSettings().data_dir})")
        sys.exit(1)


@main.command("db-url")
def db_url() -> None:
    """Print the target database URL (DATABASE_URL or the embedded cluster)."""
    click.echo(database_url())


@main.command()
def migrate() -> None:
    """Apply pending migrations, then the repeatable SQL if it changed."""
    try:
        done, refreshed = Migrator(database_url()).migrate()
    except (MigrationError, ConfigError) as exc:
        err.print(f"[red]migrate failed:[/red] {exc}")
        sys.exit(1)
    if not done and not refreshed:
        console.print("Nothing to do: the database is up to date.")
    for name in done:
        console.print(f"applied {name}")
    if refreshed:
        console.print("re-applied sql/functions, sql/triggers, sql/policies")


@main.command("migrate-status")
def migrate_status() -> None:
    """List migrations and whether each is applied, pending or edited."""
    try:
        rows = Migrator(database_url()).status()
    except MigrationError as exc:
        err.print(f"[red]{exc}[/red]")
        sys.exit(1)
    table = Table("version", "name", "state", "applied at")
    for r in rows:
        colour = {"applied": "green", "pending": "yellow"}.get(r.state, "red")
        table.add_row(r.version, r.name, f"[{colour}]{r.state}[/{colour}]", r.applied_at or "")
    console.print(table)
    if any(r.state in ("edited", "missing-file") for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
