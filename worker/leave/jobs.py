"""The worker's periodic leave jobs (procrastinate): accrual and year end.

Both run daily and are idempotent, so a missed day is caught up by the next
run and a doubled run writes nothing; ``as_of`` is today in IST.
"""

from __future__ import annotations

import procrastinate
import psycopg

from worker.leave.runs import Kind, run, today_ist
from worker.observability import log

QUEUE = "leave"


def _run(db_url: str, kind: Kind) -> dict[str, object]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = run(conn, kind, today_ist(), apply=True)
    # quiet when there was nothing due (an idle worker logs nothing at info)
    (log.info if rows else log.debug)("leave_run", kind=kind, written=len(rows))
    return {"kind": kind, "written": len(rows)}


def register(app: procrastinate.App, db_url: str) -> None:
    """Add the leave jobs to the worker's app; ``db_url`` connects as hithonix_worker."""

    @app.periodic(cron="5 0 * * *", periodic_id="leave_accrual")
    @app.task(queue=QUEUE, queueing_lock="leave_accrual", name="leave_accrual")
    def leave_accrual(timestamp: int) -> dict[str, object]:
        return _run(db_url, "accrual")

    @app.periodic(cron="15 0 * * *", periodic_id="leave_year_end")
    @app.task(queue=QUEUE, queueing_lock="leave_year_end", name="leave_year_end")
    def leave_year_end(timestamp: int) -> dict[str, object]:
        return _run(db_url, "year-end")
