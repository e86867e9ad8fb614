"""Fixtures of the calendar tests: the Graph sandbox (real HTTPS on loopback), a small
team with a manager, and leave requested and decided through the API as PostgREST
would run it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.factories import claims, employee
from worker.devtools.graph_sandbox import GraphSandbox
from worker.devtools.pgrest import PostgrestEmulator

MONDAY = "select (date_trunc('week', (now() at time zone 'Asia/Kolkata')::date) + interval '7 days')::date"


@pytest.fixture(scope="module")
def graph_sandbox() -> Iterator[GraphSandbox]:
    with GraphSandbox("127.0.0.1", 0) as sandbox:
        yield sandbox


@pytest.fixture
def graph(graph_sandbox: GraphSandbox) -> GraphSandbox:
    """The module's sandbox, forgotten and fault-free for each test."""
    graph_sandbox.reset()
    return graph_sandbox


@dataclass
class Team:
    api: PostgrestEmulator
    owner: psycopg.Connection
    manager: uuid.UUID
    staff: list[uuid.UUID]
    monday: dt.date

    def email(self, who: uuid.UUID) -> str:
        row = self.owner.execute("select email from app.employees where id = %s", [who]).fetchone()
        assert row
        return str(row[0])

    def grant(self, who: uuid.UUID, policy_code: str, days: int) -> None:
        """Days of a policy for ``who`` (an ADJUSTMENT row, as hr_admin would add)."""
        self.owner.execute(
            "insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by)"
            " values (%s, %s, 'ADJUSTMENT', %s, %s, 'test')",
            [who, policy_code, days, self.monday],
        )

    def request(self, who: uuid.UUID, week: int, days: int = 1, **extra: object) -> int:
        """Leave for ``who`` starting Monday ``week`` weeks from next Monday (UNPAID unless
        ``policy_code`` says: no balance needed)."""
        start = self.monday + dt.timedelta(weeks=week)
        body = {
            "policy_code": "UNPAID",
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=days - 1)).isoformat(),
            "reason": "family trip",
            **extra,
        }
        response = self.api.rpc("request_leave", body, claims=claims("employee", who))
        assert response.status == 200, response.body
        return int(response.body["id"])

    def approve(self, request_id: int) -> None:
        response = self.api.rpc(
            "approve_leave",
            {"leave_request_id": request_id, "reason": "enjoy"},
            claims=claims("approver", self.manager),
        )
        assert response.status == 200, response.body

    def cancel(self, request_id: int, who: uuid.UUID) -> None:
        response = self.api.rpc(
            "cancel_leave", {"leave_request_id": request_id, "reason": "plans changed"}, claims=claims("employee", who)
        )
        assert response.status == 200, response.body

    def approved(self, who: uuid.UUID, week: int, days: int = 1, **extra: object) -> int:
        request_id = self.request(who, week, days, **extra)
        self.approve(request_id)
        return request_id

    def sync_state(self, request_id: int) -> tuple[str, str | None, str | None]:
        row = self.owner.execute(
            "select calendar_sync_status, calendar_event_id, calendar_last_error from app.leave_requests where id = %s",
            [request_id],
        ).fetchone()
        assert row
        return row[0], row[1], row[2]

    def queue(self) -> list[tuple[int, int, dict[str, object]]]:
        return self.owner.execute(
            "select msg_id, read_ct, message from pgmq.q_calendar_sync order by msg_id"
        ).fetchall()

    def make_visible(self) -> None:
        """Time passes: every hidden message is visible again (as after its backoff)."""
        self.owner.execute("update pgmq.q_calendar_sync set vt = now() - interval '1 second'")


@pytest.fixture
def team(api: PostgrestEmulator, owner: psycopg.Connection) -> Team:
    manager = employee(owner, "grace.manager@example.com", role="approver")
    staff = [employee(owner, f"staff{n}@example.com", manager=manager) for n in range(3)]
    row = owner.execute(MONDAY).fetchone()
    assert row
    return Team(api, owner, manager, staff, row[0])
