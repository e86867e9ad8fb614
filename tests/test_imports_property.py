"""Property (issue 13): for random import files, the preview's predicted effect is what
the commit does, and committing then rolling back leaves daily_status as it was.

"As it was" compares the days that have live events: a rollback VOIDs the events,
so a day that had none before keeps a derived row with zero events (OFF_DUTY, no
anomaly, no lock), which is what the derivation says about an empty day.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import employee

TYPES = ["CLOCK_IN", "CLOCK_OUT", "BREAK_START", "BREAK_END", "LUNCH_START", "LUNCH_END", "NAP"]
HEADER = "employee,event_type,local_time,time_zone,note"

row = st.tuples(
    st.integers(0, 2),  # employee (2 = unknown)
    st.sampled_from(TYPES),
    st.integers(0, 3),  # day
    st.integers(0, 47),  # half-hour of the day
)
ledger_row = st.tuples(st.integers(0, 1), st.sampled_from(TYPES[:6]), st.integers(0, 3), st.integers(0, 47))


def local(day: int, slot: int) -> str:
    return f"2026-10-{10 + day:02d} {slot // 2:02d}:{(slot % 2) * 30:02d}"


def call(conn: psycopg.Connection, query: str, params: list[Any]) -> Any:
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)", [json.dumps({"role": "hr_admin", "sub": "p"})]
        )
        found = conn.execute(query, params).fetchone()
    assert found
    return found[0]


def days(conn: psycopg.Connection, people: list[uuid.UUID]) -> list[Any]:
    return conn.execute(
        "select to_jsonb(d) - 'updated_at' from app.daily_status as d "
        "where employee_id = any(%s) and event_count > 0 order by employee_id, business_date_ist",
        [people],
    ).fetchall()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30), existing=st.lists(ledger_row, max_size=8))
def test_preview_predicts_commit_and_rollback_restores(
    owner: psycopg.Connection, rows: list[tuple[int, str, int, int]], existing: list[tuple[int, str, int, int]]
) -> None:
    tag = uuid.uuid4().hex[:8]
    people = [
        employee(owner, f"a-{tag}@example.com", shift_type="NIGHT"),
        employee(owner, f"b-{tag}@example.com"),
    ]
    refs = [f"a-{tag}@example.com", f"b-{tag}@example.com", f"nobody-{tag}@example.com"]
    for who, kind, day, slot in existing:
        owner.execute(
            "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) "
            "values (%s, %s, (%s::timestamp at time zone 'Asia/Kolkata'), 'admin', 'seed')",
            [people[who], kind, local(day, slot)],
        )
    before = days(owner, people)
    lines = [HEADER, *(f"{refs[w]},{kind},{local(d, s)},," for w, kind, d, s in rows)]
    prepared = call(owner, "select app.import_stage('csv', %s)", [lines])
    assert prepared["rows"] == len(rows)

    preview = call(owner, "select app.import_preview(%s, 500, 0, null, true)", [prepared["token"]])
    predicted = owner.execute("select effect from app.import_batches where id = %s", [prepared["batch_id"]]).fetchone()
    assert predicted and preview["effect"]["events"] == predicted[0]["events"]

    committed = call(owner, "select app.import_commit(%s)", [prepared["token"]])
    actual = owner.execute("select app.import_effect(%s)", [prepared["batch_id"]]).fetchone()
    assert actual and actual[0] == predicted[0], "the dry run predicted exactly what the commit did"
    assert committed["effect"] == {k: v for k, v in predicted[0].items() if k != "days"}

    call(owner, "select app.import_rollback(%s, 'property test')", [prepared["batch_id"]])
    assert days(owner, people) == before
