"""The presence board and the NOTIFY stream: a LISTENing connection receives
presence and security alert payloads in commit order, and nothing for a
rolled-back scan."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from tests.factories import employee
from tests.frontdesk.helpers import kiosk, scan
from worker.devtools.pgrest import PostgrestEmulator, start_request


def received(listener: psycopg.Connection, expected: int) -> list[tuple[str, dict[str, Any]]]:
    got = []
    for note in listener.notifies(timeout=5, stop_after=expected):
        got.append((note.channel, json.loads(note.payload)))
    return got


def open_scan(url: str, reader: dict[str, Any], code: str) -> psycopg.Connection:
    """A scan as PostgREST runs it, left uncommitted on its own connection."""
    conn = psycopg.connect(url)
    start_request(conn, role="kiosk", claims=reader, method="POST", path="/rpc/badge_scan")
    conn.execute("select api.badge_scan(%s)", [code])
    return conn


def test_listeners_get_changes_in_commit_order_and_never_rolled_back_ones(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str
) -> None:
    kim, lee = employee(owner, "kim@example.com"), employee(owner, "lee@example.com")
    employee(owner, "max@example.com")
    reader = kiosk(api, owner)
    authenticator = api.url
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("listen presence")
        listener.execute("listen security_alerts")
        first = open_scan(authenticator, reader, "B-kim")  # started first, committed second
        second = open_scan(authenticator, reader, "B-lee")
        rolled_back = open_scan(authenticator, reader, "B-max")
        unknown = open_scan(authenticator, reader, "B-ghost")
        second.commit()
        first.commit()
        rolled_back.rollback()
        unknown.commit()
        for conn in (first, second, rolled_back, unknown):
            conn.close()
        got = received(listener, 3)
        assert [(channel, body.get("employee_id") or body.get("badge_code")) for channel, body in got] == [
            ("presence", str(lee)),
            ("presence", str(kim)),
            ("security_alerts", "B-ghost"),
        ]
        assert got[0][1]["status"] == "ON_SHIFT" and got[2][1]["kind"] == "UNKNOWN_BADGE"
        assert len(json.dumps(got[0][1])) < 200
        assert received(listener, 1) == []  # nothing for max: that scan rolled back


def test_history_sends_no_presence_news(api: PostgrestEmulator, owner: psycopg.Connection, db_url: str) -> None:
    """A day the board cannot show (older than yesterday, IST) is written without a presence
    NOTIFY, whatever writes it; today's scan right after is announced."""
    kim = employee(owner, "kim@example.com")
    reader = kiosk(api, owner)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("listen presence")
        owner.execute(
            "select app.import_events_v1(array[%s, %s]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[],"
            " array[now() - interval '5 days', now() - interval '5 days' + interval '8 hours'], 'history')",
            [kim, kim],
        )
        assert owner.execute(
            "select count(*) from app.daily_status"
            " where employee_id = %s and business_date_ist < app.ist_date(now()) - 1",
            [kim],
        ).fetchone() == (1,)
        scanned = open_scan(api.url, reader, "B-kim")
        scanned.commit()
        scanned.close()
        got = received(listener, 1)
        assert [(channel, body["employee_id"], body["business_date"]) for channel, body in got] == [
            ("presence", str(kim), owner.execute("select app.ist_date(now())::text").fetchone()[0])
        ]
        assert received(listener, 1) == []


def test_presence_board_reads_daily_status_and_the_reader(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    manager = employee(owner, "asha@example.com", role="approver")
    kim = employee(owner, "kim@example.com", manager=manager)
    employee(owner, "lee@example.com")
    employee(owner, "max@example.com")
    owner.execute("update app.employees set department = 'Ops' where email in ('kim@example.com', 'max@example.com')")
    hr = {"role": "hr_admin", "employee_id": str(employee(owner, "hr@example.com", role="hr_admin"))}
    lobby = kiosk(api, owner, "Lobby")
    for code in ("B-kim", "B-lee", "B-max"):
        assert scan(api, lobby, code)[0] == 200
    owner.execute("update app.settings set value = '0' where key = 'badge_double_scan_seconds'")
    assert scan(api, lobby, "B-max")[1]["outcome"] == "OUT"
    board = api.rpc("presence", claims=hr)
    assert board.status == 200, board.body
    counts = {"on_site": 2, "by_status": {"ON_SHIFT": 2}, "by_department": {"Ops": 1, "(none)": 1}}
    assert board.body["counts"] == counts
    assert [(r["full_name"], r["location"]) for r in board.body["rows"]] == [("kim", "Lobby"), ("lee", "Lobby")]
    ops = api.rpc("presence", {"department": "Ops"}, claims=hr)
    assert [r["full_name"] for r in ops.body["rows"]] == ["kim"]
    chain = api.rpc("presence", claims={"role": "approver", "employee_id": str(manager)})
    assert [r["employee_id"] for r in chain.body["rows"]] == [str(kim)]
    assert api.rpc("presence", claims=lobby).status == 403
    assert api.rpc("presence", claims={"role": "employee", "employee_id": str(kim)}).status == 403
    bad = api.rpc("presence", {"page_size": 0}, claims=hr)
    assert (bad.status, bad.code) == (422, "INVALID_ARGUMENT")
