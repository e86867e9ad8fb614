"""The calendar lane's commands: ``calendar-worker`` (the procrastinate worker of the
calendar lane) and ``calendar-sync`` (one drain of the calendar_sync outbox, now)."""

from __future__ import annotations

import sys

import click
import psycopg
from rich.console import Console

from worker.config import ConfigError, GraphSettings, worker_database_url
from worker.observability import configure_logging, log, serve_metrics

console = Console()
err = Console(stderr=True)


def _graph_settings() -> GraphSettings:
    try:
        return GraphSettings.from_env()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        sys.exit(2)


@click.command("calendar-worker")
def calendar_worker() -> None:
    """Run the calendar lane (Microsoft Graph) as hithonix_worker, apart from the Keka worker."""
    settings = _graph_settings()
    configure_logging()
    serve_metrics(settings.metrics_port)
    from worker.graph.jobs import JOB_QUEUE, create_calendar_app

    app = create_calendar_app(worker_database_url(), settings)
    log.info(
        "calendar_worker_starting",
        enabled=settings.enabled,
        graph=settings.base_url,
        authority=settings.authority,
        interval_seconds=settings.interval_seconds,
        metrics_port=settings.metrics_port,
    )
    if not settings.enabled:
        log.warning("calendar_sync_disabled", detail="CALENDAR_SYNC_ENABLED=false: messages wait in calendar_sync")
    with app.open():
        app.run_worker(queues=[JOB_QUEUE], concurrency=1, install_signal_handlers=True)


@click.command("calendar-sync")
@click.option("--budget", default=30.0, show_default=True, help="seconds to keep draining")
def calendar_sync(budget: float) -> None:
    """Drain the calendar_sync outbox once, now (what the calendar worker does every few seconds)."""
    settings = _graph_settings()
    configure_logging()
    if not settings.enabled:
        err.print("calendar sync is disabled (CALENDAR_SYNC_ENABLED=false): nothing read")
        return
    from worker.graph.client import GraphCalendarClient
    from worker.graph.sync import CalendarSync

    with (
        psycopg.connect(worker_database_url(), autocommit=True) as conn,
        GraphCalendarClient(settings) as client,
    ):
        stats = CalendarSync(conn, client, settings).drain(budget)
    console.print(stats.as_dict())
