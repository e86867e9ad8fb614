"""Structured JSON logs and Prometheus metrics for the worker."""

from __future__ import annotations

import logging
import sys

import structlog
from prometheus_client import Counter, Gauge, Histogram, start_http_server

EVENTS_PUSHED = Counter("keka_events_pushed_total", "Events Keka accepted (sync_status SUCCESS)")
EVENTS_FAILED = Counter("keka_events_failed_total", "Events whose push failed", ["kind"])
BATCH_LATENCY = Histogram(
    "keka_push_batch_seconds",
    "Latency of one POST /v1/logs",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE_DEPTH = Gauge("keka_sync_queue_depth", "Messages waiting in keka_sync")
DLQ_DEPTH = Gauge("keka_sync_dlq_depth", "Messages in keka_sync_dlq")
CIRCUIT_OPEN = Gauge(
    "keka_push_circuit_open", "1 while the Keka push circuit is open (kind: OUTAGE or REJECTED)", ["kind"]
)
EMPLOYEES_IMPORTED = Counter("keka_employee_import_changes_total", "Employee import changes", ["change"])


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stdout for our events and for procrastinate's own logging."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(sys.stdout)
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
    root.setLevel(level)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def serve_metrics(port: int) -> None:
    """Expose /metrics on the port (0 turns it off)."""
    if port:
        start_http_server(port, addr="127.0.0.1")


log = structlog.get_logger("hithonix.worker")
