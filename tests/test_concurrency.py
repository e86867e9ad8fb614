"""Concurrent punches for one employee are serialized: exactly one CLOCK_IN wins."""

from __future__ import annotations

import threading

import psycopg

from tests.factories import PLAN, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response


def race(api: PostgrestEmulator, n: int, body: dict, who: dict) -> list[Response]:
    barrier = threading.Barrier(n)
    results: list[Response] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        r = api.rpc("clock_in", body, claims=who)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_clock_ins_one_wins(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = employee(owner, "racer@example.com")
    results = race(api, 8, {"plan": PLAN}, claims("employee", me))
    statuses = sorted((r.status, r.code) for r in results)
    assert statuses.count((200, None)) == 1, statuses
    assert statuses.count((409, "ALREADY_CLOCKED_IN")) == 7, statuses
    count = owner.execute("select count(*) from app.attendance_events where employee_id = %s", [me]).fetchone()
    assert count == (1,)


def test_concurrent_replays_of_one_key_make_one_event(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = employee(owner, "retry@example.com")
    results = race(api, 6, {"plan": PLAN, "idempotency_key": "k-1"}, claims("employee", me))
    assert {r.status for r in results} == {200}
    assert len({r.body["event"]["id"] for r in results}) == 1
    assert sum(1 for r in results if r.body.get("replayed")) == 5
