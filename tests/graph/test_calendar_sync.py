"""Calendar sync end to end: leave approved and cancelled through the API, the real
calendar_sync queue, the calendar worker's drain as hithonix_worker, the product
client (msal + httpx) against the Graph sandbox over HTTPS."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.factories import claims, employee
from tests.graph.conftest import Team
from worker.config import GraphSettings
from worker.db.urls import derive_url
from worker.devtools.graph_sandbox import GraphSandbox
from worker.graph.client import GraphCalendarClient
from worker.graph.sync import CalendarStats, CalendarSync, leave_event


@pytest.fixture
def worker_conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(derive_url(db_url, user="hithonix_worker"), autocommit=True) as conn:
        yield conn


def quick(graph: GraphSandbox, **overrides: Any) -> GraphSettings:
    """Sandbox settings with short timeouts and waits, so faults cost little time."""
    values: dict[str, Any] = {
        "timeout_seconds": 1.0,
        "retry_attempts": 3,
        "retry_max_wait_seconds": 2.0,
        "backoff_base_seconds": 1.0,
        "backoff_cap_seconds": 2.0,
        "visibility_timeout_seconds": 30,
        **overrides,
    }
    return graph.graph_settings(**values)


def sync(conn: psycopg.Connection, settings: GraphSettings) -> CalendarStats:
    with GraphCalendarClient(settings) as client:
        return CalendarSync(conn, client, settings).sync_once()


def live(graph: GraphSandbox) -> list[dict[str, Any]]:
    return graph.events()


def test_approve_makes_one_all_day_out_of_office_event(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    who = team.staff[0]
    request_id = team.approved(who, week=0, days=3)
    assert [m[2]["action"] for m in team.queue()] == ["create"]

    stats = sync(worker_conn, quick(graph))
    assert (stats.read, stats.created) == (1, 1)

    [event] = live(graph)
    assert event["mailbox"] == team.email(who)
    assert event["subject"] == "Unpaid leave"
    assert event["isAllDay"] is True and event["showAs"] == "oof"
    day_after = team.monday + dt.timedelta(days=3)  # Graph's all-day end: midnight after the last day
    assert event["start"] == {"dateTime": f"{team.monday}T00:00:00", "timeZone": "India Standard Time"}
    assert event["end"] == {"dateTime": f"{day_after}T00:00:00", "timeZone": "India Standard Time"}
    row = team.owner.execute("select transaction_id::text from app.calendar_sync_item_v1(%s)", [request_id]).fetchone()
    assert row and event["transactionId"] == row[0]
    assert team.sync_state(request_id) == ("SYNCED", event["id"], None)
    assert team.queue() == [], "the message is archived"

    assert sync(worker_conn, quick(graph)).read == 0
    assert len(live(graph)) == 1


def test_half_day_is_named_in_the_subject(graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection) -> None:
    team.grant(team.staff[0], "CASUAL", 2)
    team.approved(team.staff[0], week=1, days=1, policy_code="CASUAL", half_day_start=True)
    sync(worker_conn, quick(graph))
    [event] = live(graph)
    assert event["subject"].startswith("Casual leave (half day on ")
    assert event["isAllDay"] is True


def test_cancel_removes_the_event(graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection) -> None:
    who = team.staff[1]
    request_id = team.approved(who, week=0, days=2)
    sync(worker_conn, quick(graph))
    [event] = live(graph)

    team.cancel(request_id, who)
    assert [m[2]["action"] for m in team.queue()] == ["delete"]
    stats = sync(worker_conn, quick(graph))
    assert stats.deleted == 1
    assert live(graph) == []
    assert [e["id"] for e in graph.deleted_events()] == [event["id"]]
    assert team.sync_state(request_id)[0] == "DELETED"
    [(_, _, tombstone)] = team.queue()
    assert tombstone == {
        "action": "delete",
        "leave_request_id": request_id,
        "employee_id": str(who),
        "confirm": True,
    }, "the delete leaves its confirmation behind"
    assert sync(worker_conn, quick(graph)).read == 0, "hidden for delete_confirm_seconds"

    team.make_visible()  # time passes: the confirmation looks once more, finds nothing live, leaves nothing
    assert sync(worker_conn, quick(graph)).deleted == 1
    assert live(graph) == [] and team.queue() == []
    assert team.sync_state(request_id)[0] == "DELETED"


def test_a_create_graph_completes_after_the_cancel_is_deleted_by_the_confirmation(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    """The race: the worker's create hangs past its timeout (the client gives up, Graph does
    not); the leave is cancelled and the delete runs while the create is still in flight in
    Graph; then Graph completes the create: an event of cancelled leave. The delete's
    confirmation (the tombstone message, visible after delete_confirm_seconds) finds it by its
    transactionId and deletes it."""
    who = team.staff[0]
    request_id = team.approved(who, week=0)
    settings = quick(graph, timeout_seconds=1.0, retry_attempts=1, delete_confirm_seconds=0)
    graph.set_faults({"graph_hang": {"seconds": 8, "count": 1, "method": "POST"}})  # room for a slow machine
    hung_at = time.monotonic()
    assert sync(worker_conn, settings).transient == 1, "the client gave up on the create"
    assert live(graph) == [], "Graph is still working on it"

    team.cancel(request_id, who)
    team.make_visible()
    stats = sync(worker_conn, settings)
    assert stats.deleted == 1
    assert team.sync_state(request_id)[0] == "DELETED"
    assert live(graph) == [], "the delete found nothing live and removed what its lookup made"

    deadline = hung_at + 20
    while not live(graph) and time.monotonic() < deadline:
        time.sleep(0.1)
    [orphan] = live(graph)  # the hung create has landed after the delete: the race, reproduced
    row = team.owner.execute("select transaction_id::text from app.calendar_sync_item_v1(%s)", [request_id]).fetchone()
    assert row and orphan["transactionId"] == row[0] and orphan["mailbox"] == team.email(who)

    team.make_visible()
    total = CalendarStats()
    for _ in range(3):
        total.add(sync(worker_conn, settings))
    assert total.deleted == 1, "the confirmation deleted the orphan"
    assert live(graph) == [], "no event outlives its leave"
    assert orphan["id"] in {e["id"] for e in graph.deleted_events()}
    assert team.queue() == [], "a confirmation leaves no further confirmation"
    assert team.sync_state(request_id)[0] == "DELETED"


def test_cancel_before_the_event_was_made_leaves_no_event(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    who = team.staff[2]
    request_id = team.approved(who, week=2)
    team.cancel(request_id, who)
    assert [m[2]["action"] for m in team.queue()] == ["create", "delete"]
    stats = sync(worker_conn, quick(graph))
    assert (stats.skipped, stats.deleted) == (1, 1)
    assert live(graph) == []
    assert team.sync_state(request_id)[0] == "DELETED"


def test_a_create_that_reached_graph_before_a_crash_is_still_deleted_on_cancel(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    """The worker posted the event and died before recording it; then the leave was cancelled.
    The delete finds the event again by its transactionId: no event outlives its leave."""
    who = team.staff[0]
    request_id = team.approved(who, week=0)
    settings = quick(graph)
    with GraphCalendarClient(settings) as client, worker_conn.cursor(row_factory=dict_row) as cur:
        item = cur.execute("select * from app.calendar_sync_item_v1(%s)", [request_id]).fetchone()
        assert item
        client.create_event(item["user_id"], leave_event(item, settings))  # what the dead worker did
    assert len(live(graph)) == 1
    team.cancel(request_id, who)
    stats = sync(worker_conn, settings)
    assert (stats.skipped, stats.deleted) == (1, 1)
    assert live(graph) == []
    assert graph.stats()["creates_deduplicated"] == 1


def test_429_and_5xx_are_retried_and_give_exactly_one_event_each(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    ids = [team.approved(who, week=0) for who in team.staff]
    graph.set_faults({"graph": {"status": 429, "count": 2, "retry_after": 1, "method": "POST"}})
    stats = sync(worker_conn, quick(graph))
    assert stats.created == 3
    graph.set_faults({"graph": {"status": 503, "count": 2, "method": "POST"}})
    ids.append(team.approved(team.staff[0], week=3))
    assert sync(worker_conn, quick(graph)).created == 1
    injected = graph.stats()["faults_injected"]
    assert injected["graph_429"] == 2 and injected["graph_503"] == 2
    events = live(graph)
    assert len(events) == len(ids) == len({e["transactionId"] for e in events})
    assert {team.sync_state(i)[0] for i in ids} == {"SYNCED"}


def test_a_create_that_hangs_past_the_timeout_is_retried_without_a_duplicate(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    request_id = team.approved(team.staff[0], week=0)
    graph.set_faults({"graph_hang": {"seconds": 2.5, "count": 1, "method": "POST"}})
    stats = sync(worker_conn, quick(graph, timeout_seconds=1.0))
    assert stats.created == 1
    deadline = time.monotonic() + 5
    while graph.stats()["requests"].get("POST /v1.0/users/{id}/events", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)  # the hung request finishes after the retry answered
    assert len(live(graph)) == 1
    assert graph.stats()["creates_deduplicated"] == 1, "the hung create found the retried one by transactionId"
    assert team.sync_state(request_id)[1] == live(graph)[0]["id"]


def test_an_outage_is_recorded_then_recovers(graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection) -> None:
    request_id = team.approved(team.staff[0], week=0)
    graph.set_faults({"graph": {"status": 503, "count": None}})
    stats = sync(worker_conn, quick(graph))
    assert stats.transient == 1
    status, event_id, error = team.sync_state(request_id)
    assert (status, event_id) == ("PENDING", None) and error and "ServiceUnavailable" in error
    [(_, read_ct, _)] = team.queue()
    assert read_ct == 1, "the message stays, hidden for its backoff"
    assert sync(worker_conn, quick(graph)).read == 0, "hidden until the backoff is over"

    graph.clear_faults()
    team.make_visible()
    assert sync(worker_conn, quick(graph)).created == 1
    assert len(live(graph)) == 1 and team.sync_state(request_id)[0] == "SYNCED"


def test_an_expired_token_is_replaced(graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection) -> None:
    settings = quick(graph)
    team.approved(team.staff[0], week=0)
    with GraphCalendarClient(settings) as client:
        assert CalendarSync(worker_conn, client, settings).sync_once().created == 1
        graph.set_faults({"expire_tokens": True})
        team.approved(team.staff[1], week=0)
        assert CalendarSync(worker_conn, client, settings).sync_once().created == 1
        assert client.token_requests == 2, "one token, cached, then one more after Graph refused it"
    assert len(live(graph)) == 2
    assert graph.stats()["responses_by_status"]["401"] == 1


def test_refused_credentials_keep_the_message_for_later(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    request_id = team.approved(team.staff[0], week=0)
    graph.set_faults({"token": {"status": 401, "count": None}})
    assert sync(worker_conn, quick(graph)).transient == 1
    status, _, error = team.sync_state(request_id)
    assert status == "PENDING" and error and "AADSTS7000222" in error
    assert len(team.queue()) == 1


def test_an_unknown_mailbox_fails_permanently(graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection) -> None:
    who = team.staff[0]
    request_id = team.approved(who, week=0)
    graph.set_faults({"missing_users": [team.email(who)]})
    assert sync(worker_conn, quick(graph)).permanent == 1
    status, _, error = team.sync_state(request_id)
    assert status == "FAILED" and error and error.startswith("ErrorInvalidUser")
    assert team.queue() == [] and live(graph) == []


def test_a_message_read_more_than_three_times_goes_to_the_dead_letter_queue(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection, owner: psycopg.Connection
) -> None:
    request_id = team.approved(team.staff[0], week=0)
    graph.set_faults({"graph": {"status": 500, "count": None}})
    settings = quick(graph, retry_attempts=1)
    for read in (1, 2, 3):
        assert sync(worker_conn, settings).transient == 1, f"read {read}"
        team.make_visible()
    assert [m[1] for m in team.queue()] == [3]
    stats = sync(worker_conn, settings)
    assert stats.dead_lettered == 1
    assert team.queue() == []
    [(dead,)] = owner.execute("select message from pgmq.q_calendar_sync_dlq").fetchall()
    assert dead["leave_request_id"] == request_id and dead["read_ct"] == 4
    status, _, error = team.sync_state(request_id)
    assert status == "FAILED" and error and error.startswith("DEAD_LETTERED: read 4 times")
    assert graph.stats()["requests"]["POST /v1.0/users/{id}/events"] == 3, "three reads, three attempts"

    # hr_admin puts it back once Graph is healthy (the runbook's POST /integrations/msgraph/sync)
    graph.clear_faults()
    hr = employee(owner, "hr.calendar@example.com", role="hr_admin")
    response = team.api.rpc("calendar_sync", {"leave_request_ids": [request_id]}, claims=claims("hr_admin", hr))
    assert response.status == 200, response.body
    assert sync(worker_conn, settings).created == 1
    assert team.sync_state(request_id)[0] == "SYNCED" and len(live(graph)) == 1


def test_disabled_sync_reads_nothing_and_loses_nothing(
    graph: GraphSandbox, team: Team, worker_conn: psycopg.Connection
) -> None:
    ids = [team.approved(who, week=0) for who in team.staff]
    stats = sync(worker_conn, quick(graph, enabled=False))
    assert stats.read == 0
    assert [m[1] for m in team.queue()] == [0, 0, 0], "unread: no read count spent"
    assert live(graph) == [] and graph.stats()["requests"] == {}
    assert sync(worker_conn, quick(graph)).created == 3
    assert {team.sync_state(i)[0] for i in ids} == {"SYNCED"}
