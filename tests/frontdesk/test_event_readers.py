"""Event readers and refused punches through the request path (issue 15 follow-ups, desk3):
a scan the punch's rules refuse answers 409 and its scan row commits; an event reader
records scans without punching, also when it double-fires four times at once."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.factories import employee
from tests.frontdesk.helpers import admin, kiosk, login, scan
from tests.frontdesk.test_badge_scans import fire_together
from worker.devtools.pgrest import PostgrestEmulator


def event_reader(api: PostgrestEmulator, owner: psycopg.Connection) -> dict[str, Any]:
    """The claims of a freshly registered, logged-in reader of purpose 'event'."""
    r = api.rpc(
        "register_kiosk_device",
        {"name": "Training room reader", "location": "Floor 2", "purpose": "event"},
        claims=admin(owner, "hr-room@example.com"),
    )
    assert r.status == 200 and r.body["purpose"] == "event", r.body
    return login(api, r.body["key"])


def test_a_refused_punch_answers_409_and_its_scan_commits(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    employee(owner, "kim@example.com")  # holds badge B-kim
    owner.execute("update app.settings set value = '0' where key = 'badge_double_scan_seconds'")
    reader = kiosk(api, owner)
    assert [scan(api, reader, "B-kim")[1]["outcome"] for _ in range(2)] == ["IN", "OUT"]
    status, body = scan(api, reader, "B-kim")  # one_clock_in_per_day: a second CLOCK_IN is refused
    assert (status, body["code"], body["message"]) == (409, "PT409", "ALREADY_CLOCKED_IN"), body
    refused = owner.execute("select outcome, refusal from app.badge_scans where id = %s", [body["scan_id"]]).fetchone()
    assert refused == ("REFUSED", "ALREADY_CLOCKED_IN")
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (2,)
    assert owner.execute("select count(*) from app.security_alerts").fetchone() == (0,)


def test_an_event_reader_firing_four_times_at_once_records_one_scan_and_no_punch(
    api: PostgrestEmulator, owner: psycopg.Connection
) -> None:
    employee(owner, "kim@example.com")
    reader = event_reader(api, owner)
    answers = fire_together(api, [reader] * 4, "B-kim")
    assert sorted(body["outcome"] for _, body in answers) == ["EVENT"] + ["IGNORED_DUPLICATE"] * 3, answers
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (0,)
    assert owner.execute("select count(*) from app.daily_status").fetchone() == (0,)
    outcomes = owner.execute("select outcome from app.badge_scans order by id").fetchall()
    assert sorted(o for (o,) in outcomes) == ["EVENT"] + ["IGNORED_DUPLICATE"] * 3
