"""The operator CLI (``hithonix …`` or ``python -m worker …``).

Exit codes: 0 success, 1 the operation failed (message on stderr), 2 usage.
"""

from __future__ import annotations

import os
import shutil
import sys

import click
import psycopg
from rich.console import Console
from rich.table import Table

from worker.config import (
    ROOT,
    ClusterSettings,
    ConfigError,
    KekaSettings,
    authenticator_url,
    database_url,
    jwt_secret,
    worker_database_url,
)
from worker.migrate import MigrationError, Migrator
from worker.observability import configure_logging, log, serve_metrics
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


def _keka_settings() -> KekaSettings:
    try:
        return KekaSettings.from_env()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        sys.exit(2)


@main.command()
def worker() -> None:
    """Run the Keka sync worker (procrastinate) as hithonix_worker."""
    settings = _keka_settings()
    configure_logging()
    serve_metrics(settings.metrics_port)
    from worker.tasks import QUEUE, create_app

    app = create_app(worker_database_url(), settings)
    log.info(
        "worker_starting",
        concurrency=settings.concurrency,
        metrics_port=settings.metrics_port,
        ingestion=settings.ingestion_base_url,
        hris=settings.hris_base_url,
    )
    with app.open():
        app.run_worker(queues=[QUEUE], concurrency=settings.concurrency, install_signal_handlers=True)


@main.command("push")
@click.option("--budget", default=30.0, show_default=True, help="seconds to keep draining")
def push(budget: float) -> None:
    """Drain the keka_sync outbox once, now (what the worker does every few seconds)."""
    settings = _keka_settings()
    configure_logging()
    from worker.keka_client import KekaLogsClient
    from worker.sync import Pusher

    with (
        psycopg.connect(worker_database_url(), autocommit=True) as conn,
        KekaLogsClient(settings.ingestion_base_url, settings.ingestion_key, settings.timeout_seconds) as client,
    ):
        stats = Pusher(conn, client, settings).drain(budget)
    console.print({k: v for k, v in vars(stats).items() if k != "event_ids"})


@main.command("import-employees")
def import_employees_cmd() -> None:
    """Import employees from Keka now (the worker also does it hourly)."""
    settings = _keka_settings()
    configure_logging()
    from worker.employee_import import import_employees
    from worker.tasks import hris_client

    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        report = import_employees(conn, hris_client(settings, conn))
    console.print({"run_id": report.run_id, "pages": report.pages, **report.counts})


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
def sandbox(host: str, port: int) -> None:
    """Run the local Keka sandbox (logs ingestion, token, HRIS employees)."""
    from worker import keka_sandbox

    sys.exit(keka_sandbox.main(["--host", host, "--port", str(port)]))


@main.command()
def api() -> None:
    """Run PostgREST on postgrest.conf against the target database."""
    binary = shutil.which("postgrest")
    if binary is None:
        err.print(
            "postgrest is not on PATH. Install PostgREST v12+ (a static binary from its releases "
            "page or your OS packages) and re-run. The API is tested without it (tests/pgrest.py)."
        )
        sys.exit(1)
    env = {**os.environ, "PGRST_DB_URI": authenticator_url(), "PGRST_JWT_SECRET": jwt_secret()}
    os.execvpe(binary, [binary, str(ROOT / "postgrest.conf")], env)


@main.command()
def run() -> None:
    """Database, migrations, Keka sandbox, worker (and PostgREST when installed)."""
    from worker import devstack

    sys.exit(devstack.main())


if __name__ == "__main__":
    main()
