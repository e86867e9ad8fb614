"""The HTTP API as PostgREST serves it: status codes and error codes per role."""

from __future__ import annotations

import datetime as dt

import jwt
import psycopg

from tests.factories import PLAN, allow_backdating, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, claims_from_token

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> str:
    return dt.datetime(2026, 11, day, hh, mm, ss, tzinfo=IST).isoformat()


def test_acceptance_day_through_http(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    allow_backdating(owner)
    me = claims("employee", employee(owner, "gia@example.com"))
    r = api.rpc("clock_in", {"plan": PLAN, "occurred_at": at(20, 10)}, claims=me)
    assert r.status == 200, r.body
    assert r.body["event"]["payload"]["gatekeeper_status"] == "PASSED"
    assert r.body["daily_status"]["current_status"] == "ON_SHIFT"
    for name, when in [
        ("break_start", at(20, 12)),
        ("break_end", at(20, 12, 20, 59)),
        ("lunch_start", at(20, 13)),
        ("lunch_end", at(20, 13, 40)),
    ]:
        assert api.rpc(name, {"occurred_at": when}, claims=me).status == 200
    r = api.rpc("clock_out", {"occurred_at": at(20, 19)}, claims=me)
    day = r.body["daily_status"]
    assert (day["current_status"], day["break_minutes_used"], day["is_locked"]) == (
        "OFF_DUTY",
        20,
        False,
    )

    again = api.rpc("clock_in", {"plan": PLAN, "occurred_at": at(20, 20)}, claims=me)
    assert (again.status, again.code) == (409, "ALREADY_CLOCKED_IN")

    rows = api.get("daily_status", claims=me)
    assert rows.status == 200 and len(rows.body) == 1


def test_break_during_lunch_is_409(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    allow_backdating(owner)
    me = claims("employee", employee(owner, "lu@example.com"))
    api.rpc("clock_in", {"plan": PLAN, "occurred_at": at(20, 10)}, claims=me)
    api.rpc("lunch_start", {"occurred_at": at(20, 13)}, claims=me)
    r = api.rpc("break_start", {"occurred_at": at(20, 13, 5)}, claims=me)
    assert (r.status, r.code) == (409, "ON_LUNCH")
    assert r.body["details"]


def test_invalid_plan_is_422_with_reasons(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = claims("employee", employee(owner, "mash@example.com"))
    r = api.rpc("clock_in", {"plan": "asdfasdfasdf"}, claims=me)
    assert (r.status, r.code) == (422, "SHIFT_PLAN_INVALID")
    assert '"KEYBOARD_MASH"' in r.body["hint"]
    check = api.rpc("validate_shift_plan", {"plan": "asdfasdfasdf"}, claims=me)
    assert check.status == 200 and check.body["valid"] is False


def test_employee_cannot_see_or_act_on_another(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    a = employee(owner, "a@example.com")
    b = employee(owner, "b@example.com")
    assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", b)).status == 200
    as_a = claims("employee", a)
    assert api.get("attendance_events", claims=as_a).body == []
    assert api.get("employees", claims=as_a, filters={"id": str(b)}).body == []
    r = api.rpc(
        "add_event",
        {
            "employee_id": str(b),
            "event_type": "CLOCK_OUT",
            "occurred_at": at(20, 19),
            "reason": "pretend",
        },
        claims=as_a,
    )
    assert r.status == 403 and r.body["code"] == "42501"


def test_approver_sees_exactly_their_chain(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    boss = employee(owner, "boss@example.com", role="approver")
    lead = employee(owner, "lead@example.com", manager=boss, role="approver")
    dev = employee(owner, "dev@example.com", manager=lead)
    employee(owner, "stranger@example.com")
    seen = {row["id"] for row in api.get("employees", claims=claims("approver", boss)).body}
    assert seen == {str(boss), str(lead), str(dev)}


def test_admin_void_is_audited_with_request_id(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"), sub="U-HR")
    me = claims("employee", employee(owner, "me@example.com"))
    event_id = api.rpc("clock_in", {"plan": PLAN}, claims=me).body["event"]["id"]
    r = api.rpc(
        "void_event",
        {"event_id": event_id, "reason": "clocked in by mistake"},
        claims=hr,
        headers={"X-Request-Id": "req-7"},
    )
    assert r.status == 200
    audit = api.get("audit_logs", claims=hr).body
    # the actor is the token's employee as the database knows them, not the token's free-text sub
    assert [(x["action"], x["request_id"], x["actor_slack_id"]) for x in audit] == [
        ("VOID_EVENT", "req-7", "hr@example.com")
    ]
    assert api.get("audit_logs", claims=me).status == 403


def test_inflated_role_and_missing_claims_are_refused(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    plain = employee(owner, "plain@example.com")
    r = api.get("employees", claims=claims("hr_admin", plain))
    assert (r.status, r.code) == (403, "FORBIDDEN")
    r = api.rpc("clock_in", {"plan": PLAN}, claims={"role": "employee"})
    assert (r.status, r.code) == (401, "NOT_AUTHENTICATED")


def test_worker_role_cannot_be_assumed_through_postgrest(api: PostgrestEmulator) -> None:
    r = api.rpc("health", claims={"role": "hithonix_worker"})
    assert r.status == 403  # authenticator is not a member of hithonix_worker


def test_signed_token_round_trip(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    secret = "a-test-secret-that-is-at-least-32-characters"
    me = claims("employee", employee(owner, "tok@example.com"))
    token = jwt.encode(me, secret, algorithm="HS256")
    r = api.rpc("clock_in", {"plan": PLAN}, claims=claims_from_token(token, secret))
    assert r.status == 200
