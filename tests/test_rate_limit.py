"""Rate limits under concurrency (issue 14 part 4): 8 sessions fire 100 admin
writes at once through PostgREST's request envelope; exactly the limit succeed,
the rest get 429 RATE_LIMITED with a Retry-After header."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg.types.json import Jsonb

from tests.factories import PLAN, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response

LIMIT = 17
CALLS = 100
SESSIONS = 8


def set_limit(owner: psycopg.Connection, key: str, limit: int, window_seconds: int = 3600) -> None:
    owner.execute(
        "update app.settings set value = %s where key = %s",
        [Jsonb({"limit": limit, "window_seconds": window_seconds}), key],
    )


def test_burst_from_8_sessions_exactly_the_limit_succeeds(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    hr = employee(owner, "hr@example.com", role="hr_admin")
    set_limit(owner, "rate_limit_admin_writes", LIMIT)
    start = threading.Barrier(SESSIONS)

    def session(index: int) -> list[Response]:
        start.wait()
        return [
            api.rpc(
                "upsert_employee",
                {"email": f"p{index}-{n}@example.com", "full_name": f"Person {index} {n}"},
                claims=claims("hr_admin", hr),
            )
            for n in range(CALLS // SESSIONS + (1 if index < CALLS % SESSIONS else 0))
        ]

    with ThreadPoolExecutor(SESSIONS) as pool:
        responses = [r for batch in pool.map(session, range(SESSIONS)) for r in batch]

    assert len(responses) == CALLS
    statuses = sorted(r.status for r in responses)
    assert statuses.count(200) == LIMIT, statuses
    refused = [r for r in responses if r.status != 200]
    assert {r.status for r in refused} == {429}
    assert {r.code for r in refused} == {"RATE_LIMITED"}
    assert all(1 <= int(r.headers["Retry-After"]) <= 3600 for r in refused)
    assert all(r.body["code"] == "PT429" for r in refused)
    created = owner.execute("select count(*) from app.employees where email like 'p%%@example.com'").fetchone()
    assert created == (LIMIT,), "every call that passed did its work, no refused call did"
    counter = owner.execute(
        "select hits from app.rate_limit_counters where actor = %s and call_class = 'admin_writes'", [str(hr)]
    ).fetchone()
    assert counter == (LIMIT,)


def test_punches_are_never_limited(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    """An employee's punches are in no class, whatever the limits are."""
    me = employee(owner, "me@example.com", shift_type="FLEXIBLE")
    for key in ("rate_limit_imports", "rate_limit_exports", "rate_limit_admin_writes"):
        set_limit(owner, key, 1)
    who = claims("employee", me)
    assert api.rpc("clock_in", {"plan": PLAN}, claims=who).status == 200
    for _ in range(3):
        assert api.rpc("break_start", {}, claims=who).status == 200
        assert api.rpc("break_end", {}, claims=who).status == 200
    assert api.rpc("clock_out", {}, claims=who).status == 200
    assert owner.execute("select count(*) from app.rate_limit_counters").fetchone() == (0,)


def test_a_failed_call_is_not_counted(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    """The bump is part of the request's transaction: a call refused by the function itself rolls it back."""
    hr = employee(owner, "hr@example.com", role="hr_admin")
    set_limit(owner, "rate_limit_admin_writes", 2)
    bad = api.rpc("upsert_employee", {"email": "not-an-email", "full_name": "X"}, claims=claims("hr_admin", hr))
    assert (bad.status, bad.code) == (422, "INVALID_ARGUMENT")
    for n in range(2):
        ok = api.rpc(
            "upsert_employee", {"email": f"ok{n}@example.com", "full_name": "Y"}, claims=claims("hr_admin", hr)
        )
        assert ok.status == 200
    third = api.rpc("upsert_employee", {"email": "no@example.com", "full_name": "Z"}, claims=claims("hr_admin", hr))
    assert (third.status, third.code) == (429, "RATE_LIMITED")
