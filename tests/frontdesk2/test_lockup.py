"""End-of-day lockup under concurrency: hr_admin and the duty person press the
button at the same instant; everyone still in is checked out exactly once,
one lockup records them, the other call finds nobody left."""

from __future__ import annotations

import threading
from typing import Any

import psycopg

from tests import factories
from worker.devtools.pgrest import PostgrestEmulator, Response


def test_two_concurrent_lockups_check_each_person_out_once(owner: psycopg.Connection, api: PostgrestEmulator) -> None:
    hr = factories.employee(owner, "hr@example.com", role="hr_admin")
    duty = factories.employee(owner, "duty@example.com")
    people = [factories.employee(owner, f"p{n}@example.com", shift_type="FLEXIBLE") for n in range(12)]
    owner.execute("update app.employees set location = 'north' where id = any(%s)", [people])
    for person in people:
        answer = api.rpc("clock_in", {"plan": factories.PLAN}, claims=factories.claims("employee", person))
        assert answer.status == 200, answer.body
    today = owner.execute("select app.ist_date(now())").fetchone()[0]  # type: ignore[index]
    assert (
        api.rpc(
            "set_duty",
            {"site": "north", "duty_date": str(today), "employee_id": str(duty)},
            claims=factories.claims("hr_admin", hr),
        ).status
        == 200
    )

    barrier = threading.Barrier(2)
    answers: list[Response] = []

    def press(claims: dict[str, Any]) -> None:
        barrier.wait()
        answers.append(api.rpc("lockup", {"site": "north", "reason": "end of day"}, claims=claims))

    threads = [
        threading.Thread(target=press, args=(factories.claims(role, who),))
        for role, who in (("hr_admin", hr), ("employee", duty))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [a.status for a in answers] == [200, 200], [a.body for a in answers]
    checked_out = sorted(len(a.body["checked_out"]) for a in answers)
    assert checked_out == [0, 12], "one lockup checks everybody out, the other finds nobody left"
    assert owner.execute(
        "select count(*) from app.attendance_events where source = 'admin' and event_type = 'CLOCK_OUT'"
    ).fetchone() == (12,)
    assert owner.execute(
        "select count(*) from app.daily_status where employee_id = any(%s) and current_status <> 'OFF_DUTY'", [people]
    ).fetchone() == (0,)
    assert owner.execute("select count(*) from app.audit_logs where action = 'LOCKUP_CHECKOUT'").fetchone() == (12,)
