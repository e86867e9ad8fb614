"""The demo's leave and calendar part: Meera asks for leave, her manager Asha
approves it, the calendar lane puts it in Meera's Outlook calendar (the Graph
sandbox); Ravi's approved leave is cancelled and its event removed.

Every step goes through the real path: the API as PostgREST runs it (HR's
audited grant, request, approval, cancel), the calendar_sync outbox filled in
the deciding transaction, the calendar worker's drain as hithonix_worker with
the product's msal/httpx client over HTTPS to the sandbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from worker.db.urls import derive_url
from worker.devtools.graph_sandbox import GraphSandbox
from worker.devtools.pgrest import PostgrestEmulator
from worker.graph.client import GraphCalendarClient
from worker.graph.sync import CalendarSync


def _claims(role: str, ids: dict[str, str], key: str) -> dict[str, Any]:
    return {"role": role, "employee_id": ids[key], "sub": f"{key}@hithonix.example"}


def _ok(response: Any, what: str) -> dict[str, Any]:
    if response.status != 200:
        raise RuntimeError(f"demo step failed: {what}: {response.status} {response.body}")
    body: dict[str, Any] = response.body
    return body


def play_leave(api: PostgrestEmulator, ids: dict[str, str], db_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    hr, asha = _claims("hr_admin", ids, "vikram"), _claims("approver", ids, "asha")
    _ok(
        api.rpc(
            "adjust_leave_balance",
            {
                "employee_id": ids["meera"],
                "policy_code": "ANNUAL",
                "days": 5,
                "reason": "opening balance",
                "effective_date": monday.isoformat(),
            },
            claims=hr,
        ),
        "HR grants Meera 5 days of annual leave",
    )
    meera = _ok(
        api.rpc(
            "request_leave",
            {
                "policy_code": "ANNUAL",
                "start_date": monday.isoformat(),
                "end_date": (monday + dt.timedelta(days=2)).isoformat(),
                "reason": "sister's wedding",
            },
            claims=_claims("employee", ids, "meera"),
        ),
        "Meera requests leave",
    )
    _ok(api.rpc("approve_leave", {"leave_request_id": meera["id"], "reason": "enjoy!"}, claims=asha), "Asha approves")
    ravi = _ok(
        api.rpc(
            "request_leave",
            {
                "policy_code": "UNPAID",
                "start_date": (monday + dt.timedelta(days=14)).isoformat(),
                "end_date": (monday + dt.timedelta(days=14)).isoformat(),
                "reason": "house move",
            },
            claims=_claims("employee", ids, "ravi"),
        ),
        "Ravi requests leave",
    )
    _ok(
        api.rpc("approve_leave", {"leave_request_id": ravi["id"], "reason": "approved"}, claims=asha),
        "Asha approves Ravi",
    )
    say("leave: Meera's annual leave and Ravi's unpaid day approved by Asha; syncing to the Graph sandbox")
    worker_url = derive_url(db_url, user="hithonix_worker")
    with GraphSandbox("127.0.0.1", 0) as graph:
        settings = graph.graph_settings()
        with psycopg.connect(worker_url, autocommit=True) as conn, GraphCalendarClient(settings) as client:
            created = CalendarSync(conn, client, settings).drain(20)
            _ok(
                api.rpc(
                    "cancel_leave",
                    {"leave_request_id": ravi["id"], "reason": "move postponed"},
                    claims=_claims("employee", ids, "ravi"),
                ),
                "Ravi cancels",
            )
            deleted = CalendarSync(conn, client, settings).drain(20)
        events, removed = graph.events(), graph.deleted_events()
    with psycopg.connect(db_url) as conn:
        requests = conn.execute(
            "select e.full_name, r.policy_code, r.start_date, r.end_date, r.status, r.calendar_sync_status,"
            " r.calendar_event_id from app.leave_requests as r join app.employees as e on e.id = r.employee_id"
            " order by r.id"
        ).fetchall()
    return {
        "events": events,
        "removed": removed,
        "requests": requests,
        "stats": {"first run": created.as_dict(), "after the cancel": deleted.as_dict()},
    }


def show_leave(result: dict[str, Any], console: Console) -> None:
    """Leave requests with their calendar state, and what the Graph sandbox holds."""
    table = Table("employee", "policy", "from", "to", "status", "calendar", title="Leave requests (app.leave_requests)")
    for name, policy, start, end, status, calendar, _event in result["requests"]:
        table.add_row(name, policy, str(start), str(end), status, calendar)
    console.print(table)
    events = Table(
        "mailbox", "subject", "start", "end", "all day", "show as", title="Outlook calendars (Graph sandbox)"
    )
    for event in result["events"]:
        events.add_row(
            event["mailbox"],
            event["subject"],
            event["start"]["dateTime"][:10],
            event["end"]["dateTime"][:10] + " (exclusive)",
            "yes" if event["isAllDay"] else "no",
            event["showAs"],
        )
    console.print(events)
    console.print(
        f"Calendar sync: {len(result['events'])} event(s) in the sandbox, {len(result['removed'])} removed after a"
        f" cancel; runs: {result['stats']}"
    )
