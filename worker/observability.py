"""Structured JSON logs and Prometheus metrics for the worker.

Counters and histograms move as the worker pushes. The state gauges (queue and
dead-letter depth, the age of the oldest unsynced punch, the circuit breaker,
the archive size) are read from the database at each scrape by
``SignalsCollector``, so they are current even when the worker is idle or
stuck; the Gauge objects below with ``registry=None`` are kept for code that
still sets them, and are not exported (the collector exports those names).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TextIO

import psycopg
import structlog
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

EVENTS_PUSHED = Counter("keka_events_pushed_total", "Events Keka accepted (sync_status SUCCESS)")
EVENTS_FAILED = Counter("keka_events_failed_total", "Events whose push failed, by kind of outcome", ["kind"])
BATCH_LATENCY = Histogram(
    "keka_push_batch_seconds",
    "Latency of one POST /v1/logs",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE_DEPTH = Gauge("keka_sync_queue_depth", "Messages waiting in keka_sync", registry=None)
DLQ_DEPTH = Gauge("keka_sync_dlq_depth", "Messages in keka_sync_dlq", registry=None)
CIRCUIT_OPEN = Gauge("keka_push_circuit_open", "1 while the Keka push circuit is open (kind)", ["kind"], registry=None)
EMPLOYEES_IMPORTED = Counter("keka_employee_import_changes_total", "Employee import changes", ["change"])
RETENTION_DELETED = Counter("hithonix_retention_deleted_total", "Rows deleted by the retention job", ["table"])

SIGNALS = "select app.ops_signals_v1()"
CIRCUIT_KINDS = ("OUTAGE", "REJECTED")

# loggers that write a line per job or per HTTP request at INFO: quiet unless LOG_LEVEL=DEBUG
CHATTY_LOGGERS = ("procrastinate", "httpx", "httpcore", "psycopg.pool")


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on stdout (or ``stream``: one-shot commands whose stdout is their
    output log to stderr) for our events and for procrastinate's own logging.

    At INFO (the default) the idle worker is silent: procrastinate's per-job and
    httpx's per-request lines are WARNING-only; LOG_LEVEL=DEBUG shows them."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet = level.upper() != "DEBUG"
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.DEBUG)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def read_signals(conn: psycopg.Connection) -> dict[str, Any]:
    """app.ops_signals_v1(): depths, lag, circuit state and the thresholds from settings."""
    row = conn.execute(SIGNALS).fetchone()
    return dict(row[0]) if row and row[0] else {}


class SignalsCollector(Collector):
    """State gauges read from the database at each scrape."""

    def __init__(self, connection: Callable[[], AbstractContextManager[psycopg.Connection]]) -> None:
        self.connection = connection

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("hithonix_signals_up", "1 when the last scrape could read the database")
        try:
            with self.connection() as conn:
                signals = read_signals(conn)
        except psycopg.Error as exc:
            log.warning("signals_unreadable", error=str(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, key, doc in (
            ("keka_sync_queue_depth", "queue_depth", "Messages waiting in keka_sync (visible or hidden)"),
            ("keka_sync_dlq_depth", "dlq_depth", "Messages in keka_sync_dlq"),
            ("keka_sync_oldest_unsynced_seconds", "oldest_unsynced_seconds", "Age of the oldest unsynced punch"),
            ("keka_sync_pending_events", "pending", "Punches in sync_status PENDING"),
            ("keka_sync_failed_events", "failed", "Punches in sync_status FAILED (will be retried)"),
            ("keka_sync_permanent_failure_events", "permanent_failure", "Punches in PERMANENT_FAILURE"),
            ("keka_sync_archive_rows", "archive_rows", "Rows in the pgmq archive of keka_sync"),
            ("keka_sync_unconfirmed_events", "unconfirmed", "Punches Keka may not hold (UNCONFIRMED)"),
            ("keka_sync_held_back_events", "held_back", "Punches held back: attendance number unknown"),
            ("keka_sync_max_lag_seconds", "max_sync_lag_seconds", "Threshold: ops_max_sync_lag_seconds"),
            ("keka_sync_max_dead_letters", "max_dead_letters", "Threshold: ops_max_dead_letters"),
        ):
            gauge = GaugeMetricFamily(name, doc)
            gauge.add_metric([], float(signals.get(key) or 0))
            yield gauge
        circuit = GaugeMetricFamily(
            "keka_push_circuit_open",
            "1 while the Keka push circuit is open, by kind (OUTAGE, REJECTED)",
            labels=["kind"],
        )
        is_open = signals.get("circuit_state") == "OPEN"
        for kind in CIRCUIT_KINDS:
            circuit.add_metric([kind], 1.0 if is_open and signals.get("circuit_kind") == kind else 0.0)
        yield circuit


def serve_metrics(
    port: int, connection: Callable[[], AbstractContextManager[psycopg.Connection]] | None = None
) -> None:
    """Expose /metrics on the port (0 turns it off), with the database signals when given a connection."""
    if connection is not None:
        REGISTRY.register(SignalsCollector(connection))
    if port:
        start_http_server(port, addr="127.0.0.1")


log = structlog.get_logger("hithonix.worker")
