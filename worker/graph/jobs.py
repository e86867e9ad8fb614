"""The calendar lane: its own procrastinate app and job queue (``calendar``), run by
its own worker process (``calendar-worker``), so a slow or failing Graph never
holds up a Keka push, and the Keka worker never waits behind a calendar call.

Periodic, with queueing locks (a slow run is never doubled up):
- ``calendar_sync`` every ``CALENDAR_SYNC_INTERVAL_SECONDS``: drain calendar_sync;
- ``calendar_housekeeping`` every minute: retry calendar jobs stalled by a dead
  worker, delete finished calendar jobs older than a day.
"""

from __future__ import annotations

import datetime as dt

import procrastinate
import psycopg
from psycopg.conninfo import make_conninfo

from worker.config import GraphSettings
from worker.graph.client import GraphCalendarClient
from worker.graph.sync import CalendarSync
from worker.observability import log

JOB_QUEUE = "calendar"  # procrastinate's job queue of the calendar lane (not the pgmq outbox)


def create_calendar_app(db_url: str, settings: GraphSettings) -> procrastinate.App:
    """The calendar lane's app; ``db_url`` connects as hithonix_worker."""
    conninfo = make_conninfo(db_url, options="-c search_path=procrastinate,public")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    register(app, db_url, settings)
    return app


def register(app: procrastinate.App, db_url: str, settings: GraphSettings) -> None:
    client = GraphCalendarClient(settings)
    every = settings.interval_seconds

    @app.periodic(cron=f"* * * * * */{every}", periodic_id="calendar_sync")
    @app.task(queue=JOB_QUEUE, queueing_lock="calendar_sync", name="calendar_sync")
    def calendar_sync(timestamp: int) -> dict[str, int]:
        if not settings.enabled:
            return {"disabled": 1}
        with psycopg.connect(db_url, autocommit=True) as conn:
            stats = CalendarSync(conn, client, settings).drain(budget_seconds=max(every * 3, 30))
        if stats.read:
            log.info("calendar_sync_run", **stats.as_dict())
        return stats.as_dict()

    @app.periodic(cron="* * * * *", periodic_id="calendar_housekeeping")
    @app.task(queue=JOB_QUEUE, queueing_lock="calendar_housekeeping", name="calendar_housekeeping")
    async def calendar_housekeeping(timestamp: int) -> dict[str, int]:
        stalled = 0
        for job in await app.job_manager.get_stalled_jobs(
            queue=JOB_QUEUE, task_name="calendar_sync", seconds_since_heartbeat=60
        ):
            await app.job_manager.retry_job(job, retry_at=dt.datetime.now(dt.UTC))
            stalled += 1
        await app.job_manager.delete_old_jobs(nb_hours=24, queue=JOB_QUEUE)
        if stalled:
            log.info("calendar_housekeeping", stalled_jobs_retried=stalled)
        return {"stalled_jobs_retried": stalled}
