"""The business-date backfill: dry run by default, --apply in batches.

Each batch is one transaction of app.backfill_business_dates_v1 (as the owner:
the sanctioned exception to the append-only ledger, audited per row).
Fixing a CLOCK_IN can change what later events compute, so apply loops until
a pass finds nothing.

A row whose stored or computed date lies in a closed payroll period is never
moved: the ledger's period-lock trigger refuses the batch (409 PERIOD_LOCKED),
which rolls back whole; apply stops there and raises PeriodLocked with what
the earlier batches changed. The dry run says so first: each change carries
``period_lock_id`` (the active lock covering its stored or computed date, else
None) and ``locked`` counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

MISMATCHES = "select * from app.business_date_mismatches(%(limit)s)"
APPLY = "select * from app.backfill_business_dates_v1(%(limit)s)"
COUNT = "select count(*) from app.business_date_mismatches()"


@dataclass
class BackfillResult:
    changes: list[dict[str, object]] = field(default_factory=list)
    applied: bool = False


def locked(changes: list[dict[str, object]]) -> int:
    """How many of a dry run's changes lie in a closed payroll period (--apply stops at the first)."""
    return sum(1 for change in changes if change.get("period_lock_id") is not None)


def find(conn: psycopg.Connection, limit: int | None) -> list[dict[str, object]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return [
            {
                "id": row["id"],
                "employee_id": str(row["employee_id"]),
                "event_type": row["event_type"],
                "occurred_at": row["occurred_at"].isoformat(),
                "before": row["stored"].isoformat(),
                "after": row["computed"].isoformat(),
                "period_lock_id": row["period_lock_id"],
            }
            for row in cur.execute(MISMATCHES, {"limit": limit}).fetchall()
        ]


class PeriodLockedError(Exception):
    """A batch touched a business date of a closed payroll period and was rolled back."""

    def __init__(self, detail: str, result: BackfillResult) -> None:
        super().__init__(detail)
        self.detail = detail
        self.result = result


def apply(
    conn: psycopg.Connection, limit: int | None, batch_size: int, progress: Callable[[int, int], None]
) -> BackfillResult:
    result = BackfillResult(applied=True)
    total_row = conn.execute(COUNT).fetchone()
    total = min(int(total_row[0]) if total_row else 0, limit or 1 << 62)
    while limit is None or len(result.changes) < limit:
        size = batch_size if limit is None else min(batch_size, limit - len(result.changes))
        try:
            with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(APPLY, {"limit": size}).fetchall()
        except psycopg.Error as exc:
            if exc.sqlstate == "PT409" and exc.diag.message_primary == "PERIOD_LOCKED":
                raise PeriodLockedError(exc.diag.message_detail or "PERIOD_LOCKED", result) from exc
            raise
        if not rows:
            break
        result.changes.extend(
            {
                "id": row["id"],
                "employee_id": str(row["employee_id"]),
                "before": row["before"].isoformat(),
                "after": row["after"].isoformat(),
            }
            for row in rows
        )
        progress(len(result.changes), max(total, len(result.changes)))
    return result
