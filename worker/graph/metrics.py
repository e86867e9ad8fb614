"""Prometheus metrics of the calendar lane (served by ``calendar-worker``)."""

from prometheus_client import Counter, Gauge, Histogram

CALENDAR_SYNCED = Counter("calendar_sync_done_total", "Calendar operations done", ["action"])
CALENDAR_FAILED = Counter("calendar_sync_failed_total", "Calendar operations that failed", ["kind"])
CALENDAR_LATENCY = Histogram(
    "calendar_sync_call_seconds",
    "Latency of one calendar operation against Graph, retries included",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CALENDAR_QUEUE_DEPTH = Gauge("calendar_sync_queue_depth", "Messages waiting in calendar_sync")
CALENDAR_DLQ_DEPTH = Gauge("calendar_sync_dlq_depth", "Messages in calendar_sync_dlq")
