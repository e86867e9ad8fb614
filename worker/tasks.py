"""The procrastinate app and its tasks: push to Keka, import employees,
reconcile, and recover jobs stalled by a dead worker.

Tasks are periodic (workers do the deferring, so no worker means no
schedule) and carry a queueing lock, so a slow run is never doubled up.
Concurrency defaults to 1, the company's rollout rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import procrastinate
import psycopg
from psycopg.conninfo import make_conninfo

from worker.config import KekaSettings
from worker.imports import job as import_job
from worker.keka import queries
from worker.keka.client import KekaHrisClient, KekaLogsClient
from worker.keka.employee_import import DbTokenStore, import_employees
from worker.keka.sync import Pusher
from worker.observability import log

JOB_QUEUE = "keka"  # procrastinate's job queue (not the pgmq outbox, queries.OUTBOX_QUEUE)


@contextmanager
def connect(url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def hris_client(settings: KekaSettings, conn: psycopg.Connection) -> KekaHrisClient:
    return KekaHrisClient(
        settings.hris_base_url,
        settings.token_url,
        settings.client_id,
        settings.client_secret,
        settings.api_key,
        settings.timeout_seconds,
        DbTokenStore(conn),
    )


def create_app(db_url: str, settings: KekaSettings) -> procrastinate.App:
    """Build the app; ``db_url`` connects as hithonix_worker."""
    conninfo = make_conninfo(db_url, options="-c search_path=procrastinate,public")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    logs_client = KekaLogsClient(settings.ingestion_base_url, settings.ingestion_key, settings.timeout_seconds)
    every = max(1, settings.push_interval_seconds)

    @app.periodic(cron=f"* * * * * */{every}", periodic_id="push")
    @app.task(queue=JOB_QUEUE, queueing_lock="push_to_keka", name="push_to_keka")
    def push_to_keka(timestamp: int) -> dict[str, int]:
        with connect(db_url) as conn:
            stats = Pusher(conn, logs_client, settings).drain(budget_seconds=max(every * 4, 20))
        if stats.read:
            log.info("keka_push_run", **{k: v for k, v in vars(stats).items() if k != "event_ids"})
        return {
            "succeeded": stats.succeeded,
            "failed": stats.failed,
            "permanent": stats.permanent,
            "unconfirmed": stats.unconfirmed,
            "circuit_open": stats.circuit_open,
        }

    @app.periodic(cron="17 * * * *", periodic_id="import")
    @app.task(queue=JOB_QUEUE, queueing_lock="import_employees", name="import_employees")
    def import_employees_task(timestamp: int) -> dict[str, object]:
        with connect(db_url) as conn:
            report = import_employees(conn, hris_client(settings, conn))
        return {"run_id": report.run_id, **report.counts}

    @app.periodic(cron="* * * * *", periodic_id="reconcile")
    @app.task(queue=JOB_QUEUE, queueing_lock="reconcile", name="reconcile")
    async def reconcile(timestamp: int) -> dict[str, object]:
        with connect(db_url) as conn:
            row = conn.execute(queries.RECONCILE).fetchone()
        counts = row[0] if row else {}
        stalled = 0
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=60):
            if job.task_name == "reconcile":
                continue
            await app.job_manager.retry_job(job, retry_at=dt.datetime.now(dt.UTC))
            stalled += 1
        # the periodic push leaves a finished job every few seconds: keep a day of them
        await app.job_manager.delete_old_jobs(nb_hours=24, queue=JOB_QUEUE)
        log.info("keka_reconcile", stalled_jobs_retried=stalled, **counts)
        return {**counts, "stalled_jobs_retried": stalled}

    import_job.register(app, db_url)
    return app
