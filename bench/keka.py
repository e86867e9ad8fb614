"""The worker's push to Keka: worker.keka.sync.Pusher against the in-process sandbox.

The benchmark enqueues its own punches (CLOCK_IN/CLOCK_OUT pairs through the
bulk path, so the outbox trigger writes their messages), then drains the
queue with the real Pusher and KekaLogsClient, as ``hithonix_worker``, in
batches of 100, against a KekaSandbox on a free loopback port. The baseline is
the sandbox alone: the same number of POSTs of empty batches on one httpx
client. Worker logs are rendered as in production but written to /dev/null.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import psycopg
import structlog

from bench import loader
from bench.database import BenchDatabase
from bench.generator import IST, Employee, Event
from worker.devtools.keka_sandbox import KekaSandbox
from worker.keka.client import KekaLogsClient
from worker.keka.sync import Pusher


def quiet_worker_logs() -> None:
    """The worker's JSON log pipeline, into /dev/null (the rendering cost stays)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")),  # noqa: SIM115
        cache_logger_on_first_use=False,
    )


def punches(employees: Sequence[Employee], before: dt.date, count: int) -> list[Event]:
    """``count`` events: a 10:00-19:00 IST day per employee, on days before ``before``, employee-major."""
    events: list[Event] = []
    days_back = 1
    while len(events) < count:
        day = before - dt.timedelta(days=days_back)
        for e in employees:
            if len(events) >= count:
                break
            start = dt.datetime.combine(day, dt.time(10, 0), IST) + dt.timedelta(seconds=e.index % 3600)
            events += [(e.id, "CLOCK_IN", start), (e.id, "CLOCK_OUT", start + dt.timedelta(hours=9))]
        days_back += 1
    return sorted(events[:count], key=lambda ev: (ev[0], ev[2]))


@dataclass
class KekaResult:
    events: int
    pushed: int
    requests: int
    seconds: float
    baseline_requests: int
    baseline_seconds: float
    sandbox_logs: int
    enqueue_seconds: float

    @property
    def events_per_second(self) -> float:
        return self.pushed / self.seconds if self.seconds else 0.0

    @property
    def baseline_events_per_second(self) -> float:
        """What the sandbox alone would allow: the same events over its time for the same POSTs."""
        return self.pushed / self.baseline_seconds if self.baseline_seconds else 0.0


def run(db: BenchDatabase, employees: Sequence[Employee], before: dt.date, count: int) -> KekaResult:
    quiet_worker_logs()
    with db.connect() as conn:
        loader.settle_sync_state(conn, loader.Backlog(pending=0, failed=0))  # only our events in the outbox
        enqueued = loader.bulk_ingest(conn, punches(employees, before, count))
    with KekaSandbox("127.0.0.1", 0, max_batch_size=100) as sandbox:
        settings = sandbox.keka_settings(device_identifier="0b3e5c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a")
        with (
            psycopg.connect(db.worker_url, autocommit=True) as conn,
            KekaLogsClient(sandbox.url, settings.ingestion_key, settings.timeout_seconds, max_batch_size=100) as client,
        ):
            pusher = Pusher(conn, client, settings)
            started = time.perf_counter()
            stats = pusher.drain(budget_seconds=600)
            seconds = time.perf_counter() - started
        logs = len(sandbox.logs())
        with httpx.Client(timeout=10.0) as http:
            url = f"{sandbox.url}/v1/logs"
            headers = {"X-API-Key": settings.ingestion_key, "Accept": "application/json"}
            http.post(url, json=[], headers=headers).raise_for_status()  # connection up
            started = time.perf_counter()
            for _ in range(stats.requests):
                http.post(url, json=[], headers=headers).raise_for_status()
            baseline = time.perf_counter() - started
    return KekaResult(
        events=enqueued.rows,
        pushed=stats.succeeded,
        requests=stats.requests,
        seconds=seconds,
        baseline_requests=stats.requests,
        baseline_seconds=baseline,
        sandbox_logs=logs,
        enqueue_seconds=enqueued.total_seconds,
    )
