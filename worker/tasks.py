"""The procrastinate app, its tasks, and the worker's lanes.

Lanes (``run_worker``): pushes never wait behind another job.
- the push lane: a LISTEN keka_sync thread that drains the outbox at each
  commit (worker.push_lane), plus ``push_to_keka`` on its own procrastinate
  queue ``keka_push`` with its own worker (concurrency 1): the periodic
  safety-net drain;
- the notification lane: ``notify`` on its own queue and worker (concurrency 1), the
  notification outbox to Slack DMs or the log (worker.notifications);
- the jobs lane: queue ``keka`` (employee import, reconcile, retention, audit retention; also leave, imports
  and the visitor purge on their own queues) with
  WORKER_CONCURRENCY workers (default 1, the company's rollout rule).

Tasks are periodic (workers do the deferring, so no worker means no
schedule) and carry a queueing lock, so a slow run is never doubled up.
Database work runs on one connection pool (psycopg_pool).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import threading

import procrastinate
import psycopg
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

from worker.audit_retention import purge_audit_logs
from worker.config import KekaSettings
from worker.imports import job as import_job
from worker.keka import queries
from worker.keka.client import KekaHrisClient, KekaLogsClient
from worker.keka.employee_import import DbTokenStore, import_employees
from worker.leave import jobs as leave_jobs
from worker.notifications import jobs as notify_jobs
from worker.observability import RETENTION_DELETED, log
from worker.push_lane import PushLane
from worker.visitors import jobs as visitor_jobs

JOB_QUEUE = "keka"  # procrastinate's job queue (not the pgmq outbox, queries.OUTBOX_QUEUE)
PUSH_QUEUE = "keka_push"  # the push lane's own procrastinate queue: nothing else runs there
STALLED_AFTER_SECONDS = 60
# on SIGTERM, running jobs get this long; a job still running then (an import asleep on a
# 429) is abandoned and retried as stalled by the retention job
SHUTDOWN_GRACE_SECONDS = 5.0


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


def open_pool(db_url: str, max_size: int = 4) -> ConnectionPool:
    """Autocommit connections as hithonix_worker, shared by the lanes and /metrics."""
    return ConnectionPool(db_url, min_size=1, max_size=max_size, kwargs={"autocommit": True}, open=True, name="worker")


def create_app(db_url: str, settings: KekaSettings, pool: ConnectionPool | None = None) -> procrastinate.App:
    """Build the app; ``db_url`` connects as hithonix_worker."""
    conninfo = make_conninfo(db_url, options="-c search_path=procrastinate,public")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    pool = pool or open_pool(db_url)
    logs_client = KekaLogsClient(settings.ingestion_base_url, settings.ingestion_key, settings.timeout_seconds)
    lane = PushLane(db_url, pool, logs_client, settings)
    app.push_lane = lane  # type: ignore[attr-defined]  # run_worker starts its listener
    every = max(1, settings.push_interval_seconds)

    @app.periodic(cron=f"* * * * * */{every}", periodic_id="push")
    @app.task(queue=PUSH_QUEUE, queueing_lock="push_to_keka", name="push_to_keka")
    def push_to_keka(timestamp: int) -> dict[str, int]:
        stats = lane.drain(wait=False)
        if stats is None:
            return {"skipped": 1}  # the listener is draining right now
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
        with pool.connection() as conn:
            report = import_employees(conn, hris_client(settings, conn))
        return {"run_id": report.run_id, **report.counts}

    @app.periodic(cron="* * * * *", periodic_id="reconcile")
    @app.task(queue=JOB_QUEUE, queueing_lock="reconcile", name="reconcile")
    def reconcile(timestamp: int) -> dict[str, object]:
        with pool.connection() as conn:
            row = conn.execute(queries.RECONCILE).fetchone()
        counts = row[0] if row else {}
        if any(counts.values()):
            log.info("keka_reconcile", **counts)
        return dict(counts)

    @app.periodic(cron="*/5 * * * *", periodic_id="retention")
    @app.task(queue=JOB_QUEUE, queueing_lock="retention", name="retention")
    async def retention(timestamp: int) -> dict[str, object]:
        """Retry stalled jobs (a dead worker's reconcile or import), then prune."""
        return await run_retention(app, pool)

    @app.periodic(cron="41 * * * *", periodic_id="audit_retention")
    @app.task(queue=JOB_QUEUE, queueing_lock="audit_retention", name="audit_retention")
    def audit_retention(timestamp: int) -> dict[str, int]:
        """Audit rows older than audit_retention_days go, hourly (worker.audit_retention)."""
        return purge_audit_logs(pool)

    leave_jobs.register(app, db_url)
    notify_jobs.register(app, pool)
    import_job.register(app, db_url)
    visitor_jobs.register(app, pool)
    return app


async def run_retention(app: procrastinate.App, pool: ConnectionPool) -> dict[str, object]:
    """Retry jobs stalled by a dead worker; delete old jobs, dead worker rows and the old pgmq archive."""
    stalled = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        await app.job_manager.retry_job(job, retry_at=dt.datetime.now(dt.UTC))
        log.warning("stalled_job_retried", job_id=job.id, task=job.task_name)
        stalled += 1
    with pool.connection() as conn:
        row = conn.execute("select app.job_retention_v1()").fetchone()
        periods = row[0] if row else {"finished_hours": 24, "failed_hours": 336}
        row = conn.execute("select app.prune_sync_archive_v1()").fetchone()
        archive = row[0] if row else {}
    await app.job_manager.delete_old_jobs(nb_hours=int(periods["finished_hours"]))
    await app.job_manager.delete_old_jobs(
        nb_hours=int(periods["failed_hours"]), include_failed=True, include_cancelled=True, include_aborted=True
    )
    workers = await app.job_manager.prune_stalled_workers(seconds_since_heartbeat=STALLED_AFTER_SECONDS * 5)
    result: dict[str, object] = {
        "stalled_jobs_retried": stalled,
        "dead_workers_deleted": len(workers),
        **archive,
    }
    RETENTION_DELETED.labels("pgmq.a_keka_sync").inc(int(archive.get("archive_deleted", 0)))
    RETENTION_DELETED.labels("procrastinate_workers").inc(len(workers))
    return result


async def run_lanes(app: procrastinate.App, concurrency: int) -> None:
    """The push lane's listener thread and three procrastinate workers, until SIGTERM/SIGINT."""
    lane: PushLane = app.push_lane  # type: ignore[attr-defined]
    stop = threading.Event()
    listener = threading.Thread(target=lane.run, args=(stop,), name="push-lane", daemon=True)
    listener.start()
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: main.cancel() if main else None)
    try:
        async with app.open_async():
            await asyncio.gather(
                app.run_worker_async(
                    queues=[PUSH_QUEUE],
                    name="push",
                    concurrency=1,
                    delete_jobs="successful",
                    shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                    install_signal_handlers=False,
                ),
                app.run_worker_async(
                    queues=[notify_jobs.QUEUE],
                    name="notify",
                    concurrency=1,
                    delete_jobs="successful",
                    shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                    install_signal_handlers=False,
                ),
                app.run_worker_async(
                    queues=[JOB_QUEUE, leave_jobs.QUEUE, import_job.IMPORT_QUEUE, visitor_jobs.QUEUE],
                    name="jobs",
                    concurrency=concurrency,
                    shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                    install_signal_handlers=False,
                ),
            )
    except asyncio.CancelledError:
        log.info("worker_stopping")
    finally:
        stop.set()
        listener.join(5)
