"""Property: after any interleaving of live punches (one step on the stored
day), admin events, voids, imports (row by row and set-based) and unlocks
(replays), valid or not, across
midnight, stored daily_status equals the recomputation, the employee's ledger
hash chain stays valid (issue 14: every path chains its rows), and a refused
call leaves no trace."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PLAN, allow_backdating, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response

START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
PUNCHES = ["clock_in", "clock_out", "break_start", "break_end", "lunch_start", "lunch_end"]
TYPES = ["CLOCK_IN", "CLOCK_OUT", "BREAK_START", "BREAK_END", "LUNCH_START", "LUNCH_END"]

LIVE_DAY = ["clock_in", "break_start", "break_end", "lunch_start", "lunch_end", "clock_out"]

punch = st.tuples(st.just("punch"), st.sampled_from(PUNCHES), st.integers(0, 240))
step = st.one_of(
    punch,
    punch,
    # a whole live day in order (each punch one step on the stored day), with random gaps
    st.tuples(st.just("shift"), st.lists(st.integers(1, 150), min_size=6, max_size=6), st.just(0)),
    st.tuples(st.just("admin"), st.sampled_from(TYPES), st.integers(-600, 600)),
    st.tuples(st.just("void"), st.integers(0, 50), st.just(0)),
    st.tuples(
        st.just("import"),
        st.lists(st.sampled_from(TYPES), min_size=1, max_size=4),
        st.integers(-300, 300),
    ),
    st.tuples(
        st.just("bulk"),
        st.lists(st.sampled_from(TYPES), min_size=1, max_size=4),
        st.integers(-300, 300),
    ),
    st.tuples(st.just("unlock"), st.integers(0, 10), st.just(0)),
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


def live(api: PostgrestEmulator, me: dict, name: str, at: dt.datetime) -> Response:
    body = {"occurred_at": at.isoformat()}
    if name == "clock_in":
        body["plan"] = PLAN
    return api.rpc(name, body, claims=me)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=3, max_size=25), shift=st.sampled_from(["NIGHT", "GENERAL", "FLEXIBLE"]))
def test_stored_equals_recomputed(api: PostgrestEmulator, owner: psycopg.Connection, steps: list, shift: str) -> None:
    allow_backdating(owner)
    emp = employee(owner, f"p-{uuid.uuid4().hex[:10]}@example.com", shift_type=shift)
    hr = claims("hr_admin", employee(owner, f"hr-{uuid.uuid4().hex[:10]}@example.com", role="hr_admin"))
    me = claims("employee", emp)
    clock = START
    for kind, what, minutes in steps:
        before = snapshot(owner, emp)
        r: Response | None = None
        if kind == "punch":
            clock += dt.timedelta(minutes=minutes)
            r = live(api, me, what, clock)
        elif kind == "shift":
            for name, gap in zip(LIVE_DAY, what, strict=True):
                clock += dt.timedelta(minutes=gap)
                before = snapshot(owner, emp)
                r = live(api, me, name, clock)
                if r.status != 200:
                    break
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
        elif kind == "unlock":
            locked = owner.execute(
                "select business_date_ist from app.daily_status where employee_id = %s and is_locked"
                " order by business_date_ist",
                [emp],
            ).fetchall()
            if not locked:
                continue
            r = api.rpc(
                "unlock_day",
                {
                    "employee_id": str(emp),
                    "business_date": locked[what % len(locked)][0].isoformat(),
                    "reason": "property test",
                },
                claims=hr,
            )
        elif kind == "bulk":
            # the set-based import path: dates by window functions, one pass
            base = clock + dt.timedelta(minutes=minutes)
            owner.execute(
                "select app.import_events_v1(array_fill(%s::uuid, array[%s]), %s::app.event_type[],"
                " array(select %s::timestamptz + (n * interval '7 minutes') from generate_series(1, %s) as n),"
                " 'test')",
                [emp, len(what), what, base, len(what)],
            )
            newest = before[0][1] if before[0] else 0
            mismatched = owner.execute(
                "select id from app.business_date_mismatches() where id > %s and employee_id = %s", [newest, emp]
            )
            assert mismatched.fetchall() == [], "a set-based date differs from the row-by-row rule"
        else:
            base = clock + dt.timedelta(minutes=minutes)
            owner.execute(
                "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
                " select %s, t::app.event_type, %s::timestamptz + (n * interval '7 minutes'), 'import', 'test'"
                " from unnest(%s::text[]) with ordinality as x (t, n) order by n",
                [emp, base, what],
            )
        if r is not None and r.status != 200:
            assert snapshot(owner, emp) == before, f"refused {kind} {what} ({r.code}) left a trace"
        # after every step, not only at the end: a later replay of the same day would hide a wrong live step
        diffs = owner.execute("select * from app.daily_status_differences('2026-11-01', '2026-12-31')").fetchall()
        assert diffs == [], f"after {kind} {what}"
        broken = owner.execute("select app.ledger_first_break(%s, null, null)", [emp]).fetchone()
        assert broken == (None,), f"the hash chain broke after {kind} {what}: {broken}"
