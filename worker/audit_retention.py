"""Audit-log retention (issue 14 part 3): the periodic job that removes audit
rows older than the ``audit_retention_days`` setting.

The work is ``app.purge_audit_logs_v1`` (SQL, run as the owner: the one DELETE
the append-only trigger on ``app.audit_logs`` lets through), one batch of the
oldest rows per transaction, each leaving a ``PURGE_AUDIT_LOGS`` summary row.
The job calls it until a batch comes back short, at most ``max_batches`` times
(the next run goes on).
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from worker.observability import RETENTION_DELETED, log

PURGE = "select app.purge_audit_logs_v1(%s)"
BATCH_ROWS = 50_000


def purge_audit_logs(pool: ConnectionPool, batch_rows: int = BATCH_ROWS, max_batches: int = 20) -> dict[str, int]:
    """Run the purge batch by batch; the number of rows removed and of batches run."""
    deleted = batches = 0
    for _ in range(max_batches):
        with pool.connection() as conn:
            row = conn.execute(PURGE, [batch_rows]).fetchone()
        summary = row[0] if row else {}
        removed = int(summary.get("deleted", 0))
        batches += 1
        deleted += removed
        if removed < batch_rows:
            break
    if deleted:
        RETENTION_DELETED.labels("app.audit_logs").inc(deleted)
        log.info("audit_logs_purged", deleted=deleted, batches=batches)
    return {"deleted": deleted, "batches": batches}
