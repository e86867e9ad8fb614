"""Acceptance (issue 16): the real Bolt app in HTTP mode, driven with signed Slack
payloads; every step's home view lists exactly the API's next punches."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import psycopg
import pytest

from tests.factories import PLAN, allow_backdating, claims, employee
from tests.processes import clean_env
from tests.slack.conftest import RunningApp
from worker.devtools.model_sandbox import ModelSandbox
from worker.devtools.pgrest import PostgrestEmulator
from worker.devtools.slack_sandbox import SlackSandbox
from worker.devtools.slack_sandbox.events import buttons, text_of
from worker.slack import views

USER = "U0ASHA"


def slack_employee(owner: psycopg.Connection, email: str, slack_user_id: str, **kw: object) -> str:
    person = employee(owner, email, **kw)  # type: ignore[arg-type]
    owner.execute("update app.employees set slack_user_id = %s where id = %s", [slack_user_id, person])
    return str(person)


def events(owner: psycopg.Connection, person: str) -> list[tuple[str, str, dict]]:
    return owner.execute(
        "select event_type::text, source, payload from app.attendance_events where employee_id = %s order by id",
        [person],
    ).fetchall()


@pytest.mark.parametrize("slack_app", ["direct", "postgrest"], indirect=True)
def test_a_slack_day(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, model_sandbox: ModelSandbox, owner: psycopg.Connection
) -> None:
    # a flexible shift: ending it at any hour does not lock the day
    person = slack_employee(owner, "asha@example.com", USER, shift_type="FLEXIBLE")
    slack = slack_app.slack

    assert slack.home_opened(USER).status_code == 200
    assert buttons(slack_sandbox.home(USER)) == ["CLOCK_IN"]
    assert "Off duty" in text_of(slack_sandbox.home(USER))

    assert slack.click(USER, "punch:CLOCK_IN", "CLOCK_IN").status_code == 200
    modal = slack_sandbox.modals()[-1]
    assert modal["callback_id"] == views.START_SHIFT_CALLBACK

    mash = slack.submit(USER, views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: "asdf qwer zxcv"}})
    assert mash.status_code == 200
    assert mash.json() == {
        "response_action": "errors",
        "errors": {views.PLAN_BLOCK: "The plan looks like random keys, not words."},
    }
    assert events(owner, person) == [], "a refused plan writes no event"
    assert model_sandbox.calls() == [], "the model is asked only about plans the rules pass"

    done = slack.submit(USER, views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
    assert done.status_code == 200 and done.text in ("", "null")
    [(kind, source, payload)] = events(owner, person)
    assert (kind, source, payload["gatekeeper_status"]) == ("CLOCK_IN", "slack", "PASSED")
    assert payload["second_opinion"]["status"] == "PASSED"
    assert len(model_sandbox.calls()) == 1
    assert buttons(slack_sandbox.home(USER)) == ["BREAK_START", "LUNCH_START", "CLOCK_OUT"]

    slack.click(USER, "punch:BREAK_START", "BREAK_START")
    assert buttons(slack_sandbox.home(USER)) == ["BREAK_END"]
    assert "On a break" in text_of(slack_sandbox.home(USER))

    slack.click(USER, "punch:BREAK_END", "BREAK_END")
    assert buttons(slack_sandbox.home(USER)) == ["BREAK_START", "LUNCH_START", "CLOCK_OUT"]

    # a stale button: the API refuses, the home tab says why in its words
    slack.click(USER, "punch:BREAK_END", "BREAK_END")
    assert "There is no open break to end." in text_of(slack_sandbox.home(USER))
    assert buttons(slack_sandbox.home(USER)) == ["BREAK_START", "LUNCH_START", "CLOCK_OUT"]

    slack.click(USER, "punch:CLOCK_OUT", "CLOCK_OUT")
    assert buttons(slack_sandbox.home(USER)) == [], "one shift per day: nothing left to do"
    assert [e[0] for e in events(owner, person)] == ["CLOCK_IN", "BREAK_START", "BREAK_END", "CLOCK_OUT"]
    assert {e[1] for e in events(owner, person)} == {"slack"}
    actors = owner.execute(
        "select distinct created_by from app.attendance_events where employee_id = %s", [person]
    ).fetchall()
    assert actors == [(USER,)], "every punch is recorded as the Slack user"
    if slack_app.postgrest is not None:
        # through PostgREST: every request carried exactly the employee's claims, in a token
        seen = [c["body"]["claims"] for c in slack_app.postgrest.calls()]
        assert seen and all(
            {k: v for k, v in c.items() if k != "exp"} == {"role": "employee", "employee_id": person, "sub": USER}
            for c in seen
        )


def test_model_timeout_clocks_in_skipped(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, model_sandbox: ModelSandbox, owner: psycopg.Connection
) -> None:
    person = slack_employee(owner, "bo@example.com", "U0BO")
    model_sandbox.set_faults({"hang": {"count": 1, "seconds": 5}})
    done = slack_app.slack.submit("U0BO", views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
    assert done.status_code == 200 and done.text in ("", "null")
    [(kind, source, payload)] = events(owner, person)
    assert (kind, source, payload["gatekeeper_status"]) == ("CLOCK_IN", "slack", "SKIPPED")
    assert payload["gatekeeper_reason"].startswith("MODEL_TIMEOUT")
    assert buttons(slack_sandbox.home("U0BO")) == ["BREAK_START", "LUNCH_START", "CLOCK_OUT"]


def test_model_error_and_rejection(
    slack_app: RunningApp, model_sandbox: ModelSandbox, owner: psycopg.Connection
) -> None:
    person = slack_employee(owner, "cy@example.com", "U0CY")
    model_sandbox.set_verdict({"valid": False, "reason": "This is a poem, not a plan."})
    refused = slack_app.slack.submit("U0CY", views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
    assert refused.json()["errors"] == {views.PLAN_BLOCK: "The plan checker says: This is a poem, not a plan."}
    assert events(owner, person) == []
    model_sandbox.set_verdict(None)
    model_sandbox.set_faults({"error": {"count": 1, "status": 500}})
    slack_app.slack.submit("U0CY", views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
    [(_, _, payload)] = events(owner, person)
    assert (payload["gatekeeper_status"], payload["gatekeeper_reason"]) == ("SKIPPED", "MODEL_HTTP_500")


def test_bad_signature_is_refused(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, owner: psycopg.Connection
) -> None:
    slack_employee(owner, "di@example.com", "U0DI")
    answer = slack_app.slack.home_opened("U0DI", secret="not-the-signing-secret")
    assert answer.status_code == 401
    assert slack_sandbox.home("U0DI") is None
    assert [c["method"] for c in slack_sandbox.calls()] == ["auth.test"], "only Bolt's start-up check"


def test_unknown_and_inactive_users_get_a_clear_message(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, owner: psycopg.Connection
) -> None:
    slack_app.slack.home_opened("U0STRANGER")
    assert "not linked to a Hithonix employee" in text_of(slack_sandbox.home("U0STRANGER"))
    assert buttons({"blocks": slack_sandbox.home("U0STRANGER")["blocks"]}) == []
    person = slack_employee(owner, "ex@example.com", "U0EX")
    owner.execute("update app.employees set employment_status = 'INACTIVE' where id = %s", [person])
    slack_app.slack.home_opened("U0EX")
    assert "not active" in text_of(slack_sandbox.home("U0EX"))
    answer = slack_app.slack.submit("U0EX", views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
    assert "not active" in answer.json()["errors"][views.PLAN_BLOCK]
    assert events(owner, person) == []


def test_manager_unlocks_a_locked_day(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, owner: psycopg.Connection, api: PostgrestEmulator
) -> None:
    allow_backdating(owner)
    manager = slack_employee(owner, "mira@example.com", "U0MIRA", role="approver")
    raj = employee(owner, "raj@example.com", manager=manager)  # type: ignore[arg-type]
    as_raj = claims("employee", raj)
    assert api.rpc("clock_in", {"plan": PLAN, "occurred_at": "2026-11-20T10:00:00+05:30"}, claims=as_raj).status == 200
    assert api.rpc("clock_out", {"occurred_at": "2026-11-20T12:00:00+05:30"}, claims=as_raj).status == 200

    slack_app.slack.home_opened("U0MIRA")
    home = slack_sandbox.home("U0MIRA")
    block_id = f"locked:{raj}:2026-11-20"
    [locked] = [b for b in home["blocks"] if b.get("block_id") == block_id]
    assert locked["accessory"]["action_id"] == "unlock" and "raj" in locked["text"]["text"]
    assert "raj: Off duty" in text_of(home)

    slack_app.slack.click("U0MIRA", "unlock", locked["accessory"]["value"], block_id=block_id)
    modal = slack_sandbox.modals()[-1]
    assert modal["callback_id"] == views.REASON_CALLBACK
    short = slack_app.slack.submit(
        "U0MIRA", views.REASON_CALLBACK, {views.REASON_BLOCK: {views.REASON_INPUT: "no"}}, modal["private_metadata"]
    )
    assert short.json() == {
        "response_action": "errors",
        "errors": {views.REASON_BLOCK: "A reason of at least 3 characters is required."},
    }
    done = slack_app.slack.submit(
        "U0MIRA",
        views.REASON_CALLBACK,
        {views.REASON_BLOCK: {views.REASON_INPUT: "doctor appointment"}},
        modal["private_metadata"],
    )
    assert done.status_code == 200 and done.text in ("", "null")
    assert owner.execute(
        "select is_locked from app.daily_status where employee_id = %s and business_date_ist = '2026-11-20'", [raj]
    ).fetchone() == (False,)
    audit = owner.execute(
        "select actor_slack_id, actor_employee_id::text, reason from app.audit_logs where action = 'UNLOCK_DAY'"
    ).fetchall()
    assert audit == [("U0MIRA", manager, "doctor appointment")]
    assert not [b for b in slack_sandbox.home("U0MIRA")["blocks"] if b.get("block_id") == block_id]
    assert json.loads(modal["private_metadata"])["do"] == "unlock_day"


def test_manager_approves_and_rejects_leave(
    slack_app: RunningApp, slack_sandbox: SlackSandbox, owner: psycopg.Connection, api: PostgrestEmulator
) -> None:
    manager = slack_employee(owner, "tara@example.com", "U0TARA", role="approver")
    staff = [employee(owner, f"s{n}@example.com", manager=manager) for n in range(2)]  # type: ignore[arg-type]
    monday = owner.execute(
        "select (date_trunc('week', (now() at time zone 'Asia/Kolkata')::date) + interval '14 days')::date"
    ).fetchone()[0]  # type: ignore[index]
    ids = []
    for n, who in enumerate(staff):
        day = (monday + dt.timedelta(days=n)).isoformat()
        body = {"policy_code": "UNPAID", "start_date": day, "end_date": day, "reason": "family"}
        answer = api.rpc("request_leave", body, claims=claims("employee", who))
        assert answer.status == 200, answer.body
        ids.append(answer.body["id"])

    slack_app.slack.home_opened("U0TARA")
    home = slack_sandbox.home("U0TARA")
    assert {b["block_id"] for b in home["blocks"] if b.get("block_id", "").startswith("leave:")} == {
        f"leave:{i}" for i in ids
    }
    slack_app.slack.click("U0TARA", "leave_approve", str(ids[0]), block_id=f"leave:{ids[0]}")
    slack_app.slack.click("U0TARA", "leave_reject", str(ids[1]), block_id=f"leave:{ids[1]}")
    modal = slack_sandbox.modals()[-1]
    answer = slack_app.slack.submit(
        "U0TARA",
        views.REASON_CALLBACK,
        {views.REASON_BLOCK: {views.REASON_INPUT: "team offsite that day"}},
        modal["private_metadata"],
    )
    assert answer.status_code == 200 and answer.text in ("", "null")
    decided = owner.execute(
        "select id, status, decision_reason from app.leave_requests where id = any(%s) order by id", [ids]
    ).fetchall()
    assert decided == [(ids[0], "APPROVED", "Approved in Slack"), (ids[1], "REJECTED", "team offsite that day")]
    assert not [b for b in slack_sandbox.home("U0TARA")["blocks"] if b.get("block_id", "").startswith("leave:")]


def test_the_slack_command_refuses_to_start_half_configured(db_url: str) -> None:
    env = clean_env(db_url, ("SLACK_",), SLACK_BOT_TOKEN="xoxb-1")
    done = subprocess.run(
        [sys.executable, "-m", "worker", "slack"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET" in done.stderr and "missing" in done.stderr
