"""The read paths, as PostgREST GETs on a persistent ``authenticator`` connection.

- Status board as people read it: ``POST /rpc/status_board`` (counts by state
  and the first page of 100 rows that need attention), as hr_admin and as an
  approver, RLS on.
- The export: everyone's ``GET /daily_status`` for one date, full width, as
  hr_admin and as an approver (their whole chain), RLS on; for hr_admin
  against the same GET of the same rows copied into a plain table (a bare
  ``json_agg``: what turning those rows into JSON costs by itself).
- One employee's month: ``api.attendance_events`` and ``api.daily_status``
  for 30 days, as the employee (two GETs; the pair is one sample).
- Monthly timesheet: per-employee sums over 30 days of ``api.daily_status``,
  as hr_admin (PostgREST's aggregate form).

Each figure keeps its latency distribution and one EXPLAIN (ANALYZE, BUFFERS)
of its query, run as the same role.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from bench.generator import Employee
from bench.pgrest import Session, claims, get_query, rpc_query
from bench.timing import Latency, sample

BOARD = get_query("daily_status", '"api"."daily_status"."business_date_ist" = %s')
STATUS_BOARD = rpc_query("status_board", [("business_date", "date")])
# the same rows and columns as GET /daily_status?business_date_ist=eq.<day>, in a plain table
BARE_COPY = """
create schema if not exists bench;
drop table if exists bench.board_copy;
create table bench.board_copy as select * from api.daily_status where business_date_ist = %s;
grant usage on schema bench to hr_admin;
grant select on bench.board_copy to hr_admin;
analyze bench.board_copy;
"""
BARE = (
    "WITH pgrst_source AS (SELECT * FROM bench.board_copy) "
    "SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
    "coalesce(json_agg(_postgrest_t), '[]')::text AS body, "
    "nullif(current_setting('response.headers', true), '') AS response_headers, "
    "nullif(current_setting('response.status', true), '') AS response_status, "
    "'' AS response_inserted FROM (SELECT * FROM pgrst_source) AS _postgrest_t"
)
EVENTS_RANGE = get_query(
    "attendance_events",
    '"api"."attendance_events"."business_date_ist" >= %s AND "api"."attendance_events"."business_date_ist" <= %s',
    order='"api"."attendance_events"."occurred_at"',
)
STATUS_RANGE = get_query(
    "daily_status",
    '"api"."daily_status"."business_date_ist" >= %s AND "api"."daily_status"."business_date_ist" <= %s',
    order='"api"."daily_status"."business_date_ist"',
)
TIMESHEET = get_query(
    "daily_status",
    '"api"."daily_status"."business_date_ist" >= %s AND "api"."daily_status"."business_date_ist" <= %s',
    select=(
        '"api"."daily_status"."employee_id", pg_catalog.count(*) AS "count", '
        'pg_catalog.sum("api"."daily_status"."worked_minutes") AS "worked_minutes", '
        'pg_catalog.sum("api"."daily_status"."break_minutes_used") AS "break_minutes_used", '
        'pg_catalog.sum("api"."daily_status"."lunch_minutes") AS "lunch_minutes"'
    ),
    group='"api"."daily_status"."employee_id"',
)


EMPTY_DAY = dt.date(1990, 1, 1)  # before any history: the same request with no rows


@dataclass
class Measured:
    latency: Latency
    rows: int
    explain: str
    empty: Latency | None = None  # the same request returning no rows: its fixed cost


def rows_in(body: str | None) -> int:
    """Rows in a JSON array body without parsing it all (objects start with '{"')."""
    return 0 if not body else body.count('{"')


def board(session: Session, who: dict[str, str], day: dt.date, repeat: int) -> Measured:
    latency = sample(lambda: session.get("daily_status", who, BOARD, [day]), repeat)
    empty = sample(lambda: session.get("daily_status", who, BOARD, [EMPTY_DAY]), repeat)
    body = session.get("daily_status", who, BOARD, [day])
    return Measured(latency, rows_in(body), session.explain(who, BOARD, [day]), empty)


def status_board(session: Session, who: dict[str, str], day: dt.date, repeat: int) -> Measured:
    """Counts + the first page of 100 rows needing attention, as PostgREST runs the RPC (read-only: STABLE)."""
    body = json.dumps({"business_date": day.isoformat()})
    empty_body = json.dumps({"business_date": EMPTY_DAY.isoformat()})

    def call(payload: str) -> Any:
        return session.request("POST", "/rpc/status_board", who, STATUS_BOARD, [payload], read_only=True)

    latency = sample(lambda: call(body), repeat)
    empty = sample(lambda: call(empty_body), repeat)
    row = call(body)
    attention = len(json.loads(row[2])["attention"]) if row else 0
    return Measured(latency, attention, session.explain(who, STATUS_BOARD, [body]), empty)


def bare_board(owner: psycopg.Connection, session: Session, who: dict[str, str], day: dt.date, repeat: int) -> Measured:
    """The baseline for GET /daily_status: the same rows from a plain table, same request shape and role."""
    owner.execute(BARE_COPY.replace("%s", f"'{day.isoformat()}'::date"))
    latency = sample(lambda: session.request("GET", "/board_copy", who, BARE, read_only=True), repeat)
    body = session.request("GET", "/board_copy", who, BARE, read_only=True)
    return Measured(latency, rows_in(body[2] if body else None), session.explain(who, BARE))


def month(
    session: Session, employees: Sequence[Employee], first: dt.date, last: dt.date, samples: int, seed: int
) -> Measured:
    """``samples`` request pairs (events + daily status), each as one of up to ``samples`` employees."""
    rng = random.Random(seed)
    chosen = rng.sample(list(employees), min(samples, len(employees)))
    picks = [chosen[i % len(chosen)] for i in range(samples)]  # each employee once, then again

    def one(employee: Employee) -> None:
        who = claims("employee", employee.id)
        session.get("attendance_events", who, EVENTS_RANGE, [first, last])
        session.get("daily_status", who, STATUS_RANGE, [first, last])

    for employee in chosen[:3]:
        one(employee)  # warm-up
    pending = iter(picks)
    latency = sample(lambda: one(next(pending)), len(picks), warmup=0)
    who = claims("employee", chosen[0].id)
    rows = rows_in(session.get("attendance_events", who, EVENTS_RANGE, [first, last])) + rows_in(
        session.get("daily_status", who, STATUS_RANGE, [first, last])
    )
    explain = (
        "-- GET /attendance_events (30 days)\n"
        + session.explain(who, EVENTS_RANGE, [first, last])
        + "\n-- GET /daily_status (30 days)\n"
        + session.explain(who, STATUS_RANGE, [first, last])
    )
    return Measured(latency, rows, explain)


def timesheet(session: Session, who: dict[str, str], first: dt.date, last: dt.date, repeat: int) -> Measured:
    latency = sample(lambda: session.get("daily_status", who, TIMESHEET, [first, last]), repeat, warmup=1)
    empty = sample(lambda: session.get("daily_status", who, TIMESHEET, [EMPTY_DAY, EMPTY_DAY]), repeat)
    body = session.get("daily_status", who, TIMESHEET, [first, last])
    return Measured(latency, rows_in(body), session.explain(who, TIMESHEET, [first, last]), empty)
