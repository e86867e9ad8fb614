"""The visitor retention purge (procrastinate, periodic, on the jobs lane).

``app.purge_visitors_v1`` nulls the personal data of visitors signed in longer
ago than the ``visitor_retention_days`` setting, one audited batch per call;
the job calls it until a batch comes back short, so a backlog clears in one run.
It is idempotent: a purged visitor is never selected again.
"""

from __future__ import annotations

import procrastinate
from psycopg_pool import ConnectionPool

from worker.observability import log

QUEUE = "visitors"
PURGE = "select app.purge_visitors_v1(%s)"
BATCH = 5000


def purge(pool: ConnectionPool, batch: int = BATCH) -> int:
    """Purge every visitor past retention, in batches; returns how many."""
    total = 0
    while True:
        with pool.connection() as conn:
            row = conn.execute(PURGE, (batch,)).fetchone()
        purged = int(row[0]["purged"]) if row else 0
        total += purged
        if purged < batch:
            break
    (log.info if total else log.debug)("visitor_purge", purged=total)
    return total


def register(app: procrastinate.App, pool: ConnectionPool) -> None:
    """Add the purge to the worker's app (hourly; ``pool`` connects as hithonix_worker)."""

    @app.periodic(cron="41 * * * *", periodic_id="visitor_purge")
    @app.task(queue=QUEUE, queueing_lock="visitor_purge", name="visitor_purge")
    def visitor_purge(timestamp: int) -> dict[str, object]:
        return {"purged": purge(pool)}
