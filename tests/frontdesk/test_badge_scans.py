"""Badge scans through the request path: the toggle, double scans (also two
readers firing at the same instant), refusals that commit a security alert,
and kiosk_punch on the badge assignments."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from tests.factories import employee
from tests.frontdesk.helpers import kiosk, scan
from worker.devtools.pgrest import PostgrestEmulator


def scans(owner: psycopg.Connection) -> list[tuple[str, str | None]]:
    return owner.execute("select outcome, refusal from app.badge_scans order by id").fetchall()


def test_scan_toggles_in_and_out(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    employee(owner, "kim@example.com")  # holds badge B-kim
    owner.execute("update app.settings set value = '0' where key = 'badge_double_scan_seconds'")
    reader = kiosk(api, owner)
    first = scan(api, reader, "B-kim")
    second = scan(api, reader, "B-kim")
    assert first[0] == 200 and first[1]["outcome"] == "IN" and first[1]["state"] == "ON_SHIFT", first
    assert second[0] == 200 and second[1]["outcome"] == "OUT" and second[1]["state"] == "OFF_DUTY", second
    assert set(first[1]) == {"scan_id", "outcome", "event_type", "event_id", "name", "state"}
    events = owner.execute("select event_type::text, source from app.attendance_events order by id").fetchall()
    assert events == [("CLOCK_IN", "kiosk"), ("CLOCK_OUT", "kiosk")]


def test_double_scan_is_ignored_and_answers_the_same(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    employee(owner, "kim@example.com")
    reader = kiosk(api, owner)
    first = scan(api, reader, "B-kim")
    again = scan(api, reader, "B-kim")
    assert again[0] == 200 and again[1]["outcome"] == "IGNORED_DUPLICATE", again
    assert again[1]["duplicate_of"] == first[1]["scan_id"] and again[1]["first_outcome"] == "IN"
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (1,)
    assert scans(owner) == [("IN", None), ("IGNORED_DUPLICATE", None)]


def fire_together(api: PostgrestEmulator, readers: list[dict[str, Any]], code: str) -> list[tuple[int, Any]]:
    """Each reader scans the badge at the same instant (a barrier, one connection each)."""
    barrier = threading.Barrier(len(readers))
    answers: list[tuple[int, Any]] = [(0, None)] * len(readers)

    def fire(i: int) -> None:
        barrier.wait()
        answers[i] = scan(api, readers[i], code)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(readers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.parametrize("round_", range(3))
def test_a_reader_double_firing_makes_one_punch(api: PostgrestEmulator, owner: psycopg.Connection, round_: int) -> None:
    employee(owner, "kim@example.com")
    reader = kiosk(api, owner)
    answers = fire_together(api, [reader] * 4, "B-kim")
    outcomes = sorted(body["outcome"] for _, body in answers)
    assert outcomes == ["IGNORED_DUPLICATE"] * 3 + ["IN"], answers
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (1,)


def test_the_same_badge_at_two_readers_at_once_raises_an_alert(
    api: PostgrestEmulator, owner: psycopg.Connection
) -> None:
    employee(owner, "kim@example.com")
    lobby, back = kiosk(api, owner, "Lobby"), kiosk(api, owner, "Back door")
    answers = fire_together(api, [lobby, back], "B-kim")
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 403], answers
    refused = next(body for status, body in answers if status == 403)
    assert refused["message"] == "BADGE_ON_TWO_DEVICES"
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (1,)
    alerts = owner.execute("select kind, badge_code from app.security_alerts").fetchall()
    assert alerts == [("BADGE_ON_TWO_DEVICES", "B-kim")]


def test_refused_scans_commit_their_alert(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    kim = employee(owner, "kim@example.com")
    employee(owner, "lee@example.com")
    employee(owner, "max@example.com")
    hr = {"role": "hr_admin", "employee_id": str(employee(owner, "hr@example.com", role="hr_admin"))}
    reader = kiosk(api, owner)
    assert api.rpc("report_badge_lost", {"badge_code": "B-lee", "reason": "lost on the bus"}, claims=hr).status == 200
    assert api.rpc("revoke_badge", {"badge_code": "B-max", "reason": "contract ended"}, claims=hr).status == 200
    owner.execute("update app.employees set employment_status = 'INACTIVE' where id = %s", [kim])
    got = {code: scan(api, reader, code) for code in ("B-ghost", "B-lee", "B-max", "B-kim")}
    assert {code: (status, body["message"]) for code, (status, body) in got.items()} == {
        "B-ghost": (403, "UNKNOWN_BADGE"),
        "B-lee": (403, "LOST_BADGE"),
        "B-max": (403, "REVOKED_BADGE"),
        "B-kim": (403, "INACTIVE_EMPLOYEE"),
    }
    kinds = owner.execute("select kind from app.security_alerts order by id").fetchall()
    assert kinds == [("UNKNOWN_BADGE",), ("LOST_BADGE",), ("REVOKED_BADGE",), ("INACTIVE_EMPLOYEE",)]
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (0,)
    alert_id = owner.execute("select min(id) from app.security_alerts").fetchone()[0]
    ack = api.rpc("acknowledge_alert", {"alert_id": alert_id, "note": "cleaner's test card"}, claims=hr)
    assert ack.status == 200 and ack.body["acknowledged_at"], ack.body
    listed = api.rpc("security_alerts", claims=hr)
    assert [a["kind"] for a in listed.body] == ["INACTIVE_EMPLOYEE", "REVOKED_BADGE", "LOST_BADGE"]


def test_kiosk_punch_reads_the_badge_assignments(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    employee(owner, "kim@example.com")
    reader = kiosk(api, owner)
    r = api.rpc("kiosk_punch", {"badge_id": "B-kim", "event_type": "CLOCK_IN"}, claims=reader)
    assert r.status == 200 and r.body == {"name": "kim", "state": "ON_SHIFT"}, r.body
    hr = {"role": "hr_admin", "employee_id": str(employee(owner, "hr@example.com", role="hr_admin"))}
    assert api.rpc("return_badge", {"badge_code": "B-kim", "reason": "left the team"}, claims=hr).status == 200
    gone = api.rpc("kiosk_punch", {"badge_id": "B-kim", "event_type": "CLOCK_OUT"}, claims=reader)
    assert (gone.status, gone.code) == (403, "UNASSIGNED_BADGE")  # as a scan of it answers, with the alert
    alerts = owner.execute("select kind, badge_code from app.security_alerts").fetchall()
    assert alerts == [("UNASSIGNED_BADGE", "B-kim")]
    assert owner.execute("select badge_id from app.employees where email = 'kim@example.com'").fetchone() == (None,)
