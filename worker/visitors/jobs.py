"""The visitor jobs (procrastinate, periodic, on the jobs lane).

``app.purge_visitors_v1`` nulls the personal data of visitors signed in longer
ago than the ``visitor_retention_days`` setting, one audited batch per call;
the job calls it until a batch comes back short, so a backlog clears in one run.
It is idempotent: a purged visitor is never selected again.

``app.notify_visitor_overstays_v1`` queues the host's ``VISITOR_OVERSTAYED``
notice for every visitor still signed in after the end of the visit (the
``visitor_day_end`` setting), once per visitor, in batches the same way.
"""

from __future__ import annotations

import procrastinate
from psycopg_pool import ConnectionPool

from worker.observability import log

QUEUE = "visitors"
PURGE = "select app.purge_visitors_v1(%s)"
OVERSTAY = "select app.notify_visitor_overstays_v1(%s)"
BATCH = 5000
OVERSTAY_BATCH = 1000


def drain(pool: ConnectionPool, query: str, key: str, batch: int) -> int:
    """Call a batch function until a batch comes back short; returns the total of ``key``."""
    total = 0
    while True:
        with pool.connection() as conn:
            row = conn.execute(query, (batch,)).fetchone()
        done = int(row[0][key]) if row else 0
        total += done
        if done < batch:
            return total


def purge(pool: ConnectionPool, batch: int = BATCH) -> int:
    """Purge every visitor past retention, in batches; returns how many."""
    total = drain(pool, PURGE, "purged", batch)
    (log.info if total else log.debug)("visitor_purge", purged=total)
    return total


def notify_overstays(pool: ConnectionPool, batch: int = OVERSTAY_BATCH) -> int:
    """Queue the host's notice for every visitor overstaying and not yet announced; returns how many."""
    total = drain(pool, OVERSTAY, "notified", batch)
    (log.info if total else log.debug)("visitor_overstay", notified=total)
    return total


def register(app: procrastinate.App, pool: ConnectionPool) -> None:
    """Add the purge (hourly) and the overstay notices (every 5 minutes) to the worker's app
    (``pool`` connects as hithonix_worker)."""

    @app.periodic(cron="41 * * * *", periodic_id="visitor_purge")
    @app.task(queue=QUEUE, queueing_lock="visitor_purge", name="visitor_purge")
    def visitor_purge(timestamp: int) -> dict[str, object]:
        return {"purged": purge(pool)}

    @app.periodic(cron="*/5 * * * *", periodic_id="visitor_overstay")
    @app.task(queue=QUEUE, queueing_lock="visitor_overstay", name="visitor_overstay")
    def visitor_overstay(timestamp: int) -> dict[str, object]:
        return {"notified": notify_overstays(pool)}
