"""Overlapping leave from concurrent sessions: exactly one wins, and it is the
exclusion constraint that decides (also for raw inserts that bypass the API)."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest

from tests.factories import claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response

MONDAY = "select (date_trunc('week', (now() at time zone 'Asia/Kolkata')::date) + interval '7 days')::date"


def next_monday(owner: psycopg.Connection) -> dt.date:
    row = owner.execute(MONDAY).fetchone()
    assert row
    return row[0]


def test_concurrent_overlapping_requests_one_wins(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = employee(owner, "racer@example.com")
    monday = next_monday(owner)
    n = 6
    barrier = threading.Barrier(n)
    results: list[Response] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        body = {
            "policy_code": "UNPAID",
            "start_date": (monday + dt.timedelta(days=i % 2)).isoformat(),
            "end_date": (monday + dt.timedelta(days=2)).isoformat(),
        }
        barrier.wait()
        r = api.rpc("request_leave", body, claims=claims("employee", me))
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted((r.status, r.code) for r in results)
    assert outcomes.count((200, None)) == 1, outcomes
    assert outcomes.count((409, "LEAVE_OVERLAP")) == n - 1, outcomes
    assert owner.execute("select count(*) from app.leave_requests where employee_id = %s", [me]).fetchone() == (1,)


def test_the_constraint_decides_between_raw_concurrent_inserts(db_url: str, owner: psycopg.Connection) -> None:
    """Two owner sessions insert overlapping rows past every function: the second
    waits for the first and is refused when it commits."""
    me = employee(owner, "raw@example.com")
    monday = next_monday(owner)
    insert = (
        "insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, requested_by)"
        " values (%s, 'UNPAID', %s, %s, 2, 'raw')"
    )
    first = psycopg.connect(db_url)
    second = psycopg.connect(db_url)
    failure: list[BaseException] = []
    try:
        first.execute(insert, [me, monday, monday + dt.timedelta(days=1)])

        def racer() -> None:
            try:
                second.execute(insert, [me, monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)])
                second.commit()
            except psycopg.Error as exc:
                failure.append(exc)
                second.rollback()

        thread = threading.Thread(target=racer)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second insert waits for the first transaction"
        first.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert len(failure) == 1 and isinstance(failure[0], psycopg.errors.ExclusionViolation), failure
    assert owner.execute("select count(*) from app.leave_requests where employee_id = %s", [me]).fetchone() == (1,)


@pytest.mark.parametrize("first_half", [True, False])
def test_two_half_days_fit_one_day(api: PostgrestEmulator, owner: psycopg.Connection, first_half: bool) -> None:
    me = employee(owner, f"halves-{first_half}@example.com")
    owner.execute(
        "insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by)"
        " values (%s, 'ANNUAL', 'ADJUSTMENT', 2, %s, 't')",
        [me, next_monday(owner)],
    )
    day = next_monday(owner).isoformat()
    who = claims("employee", me)
    morning = {"policy_code": "ANNUAL", "start_date": day, "end_date": day, "half_day_end": True}
    afternoon = {"policy_code": "ANNUAL", "start_date": day, "end_date": day, "half_day_start": True}
    one, two = (morning, afternoon) if first_half else (afternoon, morning)
    assert api.rpc("request_leave", one, claims=who).status == 200
    assert api.rpc("request_leave", two, claims=who).status == 200
    again = api.rpc("request_leave", one, claims=who)
    assert (again.status, again.code) == (409, "LEAVE_OVERLAP")
