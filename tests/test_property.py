"""Property: after any sequence of punches, admin events, voids and imports
(valid or not, across midnight), stored daily_status equals the recomputation,
and a refused call leaves no trace."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PLAN, allow_backdating, claims, employee
from worker.devtools.pgrest import PostgrestEmulator

START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
PUNCHES = ["clock_in", "clock_out", "break_start", "break_end", "lunch_start", "lunch_end"]
TYPES = ["CLOCK_IN", "CLOCK_OUT", "BREAK_START", "BREAK_END", "LUNCH_START", "LUNCH_END"]

step = st.one_of(
    st.tuples(st.just("punch"), st.sampled_from(PUNCHES), st.integers(0, 240)),
    st.tuples(st.just("admin"), st.sampled_from(TYPES), st.integers(-600, 600)),
    st.tuples(st.just("void"), st.integers(0, 50), st.just(0)),
    st.tuples(
        st.just("import"),
        st.lists(st.sampled_from(TYPES), min_size=1, max_size=4),
        st.integers(-300, 300),
    ),
)


def snapshot(conn: psycopg.Connection, emp: uuid.UUID) -> tuple:
    events = conn.execute(
        "select count(*), coalesce(max(id), 0) from app.attendance_events where employee_id = %s",
        [emp],
    ).fetchone()
    days = conn.execute(
        "select coalesce(jsonb_agg(to_jsonb(d) - 'updated_at' order by business_date_ist), '[]')"
        " from app.daily_status d where employee_id = %s",
        [emp],
    ).fetchone()
    return events, days


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_stored_equals_recomputed(api: PostgrestEmulator, owner: psycopg.Connection, steps: list) -> None:
    allow_backdating(owner)
    emp = employee(owner, f"p-{uuid.uuid4().hex[:10]}@example.com", shift_type="NIGHT")
    hr = claims("hr_admin", employee(owner, f"hr-{uuid.uuid4().hex[:10]}@example.com", role="hr_admin"))
    me = claims("employee", emp)
    clock = START
    for kind, what, minutes in steps:
        before = snapshot(owner, emp)
        if kind == "punch":
            clock += dt.timedelta(minutes=minutes)
            body = {"occurred_at": clock.isoformat()}
            if what == "clock_in":
                body["plan"] = PLAN
            r = api.rpc(what, body, claims=me)
        elif kind == "admin":
            when = clock + dt.timedelta(minutes=minutes)
            r = api.rpc(
                "add_event",
                {
                    "employee_id": str(emp),
                    "event_type": what,
                    "occurred_at": when.isoformat(),
                    "reason": "property test",
                },
                claims=hr,
            )
        elif kind == "void":
            ids = [
                row[0]
                for row in owner.execute(
                    "select id from app.attendance_events where employee_id = %s and event_type <> 'VOID' order by id",
                    [emp],
                ).fetchall()
            ]
            if not ids:
                continue
            r = api.rpc(
                "void_event",
                {"event_id": ids[what % len(ids)], "reason": "property test"},
                claims=hr,
            )
        else:
            base = clock + dt.timedelta(minutes=minutes)
            owner.execute(
                "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
                " select %s, t::app.event_type, %s::timestamptz + (n * interval '7 minutes'), 'import', 'test'"
                " from unnest(%s::text[]) with ordinality as x (t, n) order by n",
                [emp, base, what],
            )
            continue
        if r.status != 200:
            assert snapshot(owner, emp) == before, f"refused {kind} {what} ({r.code}) left a trace"
    diffs = owner.execute("select * from app.daily_status_differences('2026-11-01', '2026-12-31')").fetchall()
    assert diffs == []
