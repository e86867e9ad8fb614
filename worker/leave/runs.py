"""Accrual and year-end runs: one call of an idempotent SQL function each.

A dry run lists what is due and changes nothing; ``apply`` writes it in one
transaction. Re-running (or two runners at once) writes nothing twice: the
ledger's unique (employee, policy, entry type, period) key holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row

IST = ZoneInfo("Asia/Kolkata")

Kind = Literal["accrual", "year-end"]

QUERIES: dict[Kind, str] = {
    "accrual": "select * from app.leave_accrue_v1(%(as_of)s, %(apply)s)",
    "year-end": "select * from app.leave_year_end_v1(%(as_of)s, %(apply)s)",
}


@dataclass(frozen=True)
class LeaveRow:
    employee_id: str
    policy_code: str
    entry_type: str
    days: str
    effective_date: str
    period_key: str


def today_ist() -> dt.date:
    return dt.datetime.now(IST).date()


def run(conn: psycopg.Connection, kind: Kind, as_of: dt.date, apply: bool) -> list[LeaveRow]:
    """The rows due at ``as_of`` (written when ``apply``), in one transaction."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(QUERIES[kind], {"as_of": as_of, "apply": apply}).fetchall()
    return [
        LeaveRow(
            employee_id=str(r["employee_id"]),
            policy_code=r["policy_code"],
            entry_type=r["entry_type"],
            days=str(r["days"]),
            effective_date=r["effective_date"].isoformat(),
            period_key=r["period_key"],
        )
        for r in rows
    ]
