"""The notification outbox to Slack (issue 16): a lock DMs the employee and their
approver, once each, only when the locking transaction commits, through 429s
(Slack's Retry-After honoured); repeated failure dead-letters; without Slack the
notices go to the log and the queue still drains."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from tests.factories import PLAN, allow_backdating, claims, employee
from tests.processes import Spawned, free_port, wait_for
from tests.test_worker_process import worker_env
from worker.config import NotificationSettings
from worker.db.request import start_request
from worker.db.urls import derive_url
from worker.devtools.keka_sandbox import KekaSandbox
from worker.devtools.pgrest import PostgrestEmulator
from worker.devtools.slack_sandbox import BOT_TOKEN, SlackSandbox
from worker.notifications.lane import DrainStats, drain
from worker.notifications.sinks import LogSink, Sink, SlackSink

FAST = NotificationSettings(visibility_timeout_seconds=30, max_attempts=3, backoff_base_seconds=1)


@pytest.fixture
def worker_pool(db_url: str) -> Iterator[ConnectionPool]:
    with ConnectionPool(
        derive_url(db_url, user="hithonix_worker"), min_size=1, max_size=2, kwargs={"autocommit": True}
    ) as pool:
        yield pool


def team(owner: psycopg.Connection) -> tuple[str, str]:
    allow_backdating(owner)
    lena = employee(owner, "lena@example.com", role="approver")
    raj = employee(owner, "raj@example.com", manager=lena)
    owner.execute("update app.employees set slack_user_id = 'U0LENA' where id = %s", [lena])
    owner.execute("update app.employees set slack_user_id = 'U0RAJ' where id = %s", [raj])
    return str(lena), str(raj)


def lock_a_day(api: PostgrestEmulator, person: str) -> None:
    as_person = claims("employee", person)  # type: ignore[arg-type]
    assert (
        api.rpc("clock_in", {"plan": PLAN, "occurred_at": "2026-11-20T10:00:00+05:30"}, claims=as_person).status == 200
    )
    assert api.rpc("clock_out", {"occurred_at": "2026-11-20T12:00:00+05:30"}, claims=as_person).status == 200


def queued(owner: psycopg.Connection, queue: str = "notifications") -> int:
    return owner.execute(f"select count(*) from pgmq.q_{queue}").fetchone()[0]  # type: ignore[index]


def drain_until_empty(pool: ConnectionPool, sink: Sink, owner: psycopg.Connection, seconds: float = 20) -> DrainStats:
    """Drain as the lane's periodic job does, until the queue is empty (waiting out visibility timeouts)."""
    total = DrainStats()
    deadline = time.monotonic() + seconds
    while queued(owner) and time.monotonic() < deadline:
        stats = drain(pool, sink, FAST)
        total.sent += stats.sent
        total.retried += stats.retried
        total.dead_lettered += stats.dead_lettered
        total.rate_limited |= stats.rate_limited
        time.sleep(0.2)
    return total


def test_rolled_back_lock_sends_nothing(
    db_url: str, owner: psycopg.Connection, api: PostgrestEmulator, worker_pool: ConnectionPool
) -> None:
    _, raj = team(owner)
    as_raj = claims("employee", raj)  # type: ignore[arg-type]
    api.rpc("clock_in", {"plan": PLAN, "occurred_at": "2026-11-20T10:00:00+05:30"}, claims=as_raj)
    with psycopg.connect(derive_url(db_url, user="authenticator")) as conn:
        start_request(conn, role="employee", claims=as_raj, method="POST", path="/rpc/clock_out")
        locked = conn.execute("select api.clock_out(occurred_at => '2026-11-20T12:00:00+05:30')").fetchone()
        assert locked and locked[0]["daily_status"]["is_locked"], "the punch locked the day"
        conn.rollback()
    with SlackSandbox() as sandbox:
        stats = drain(worker_pool, SlackSink(BOT_TOKEN, sandbox.api_url), FAST)
        assert stats.sent == 0 and sandbox.messages() == []
    assert queued(owner) == 0


def test_committed_lock_dms_each_once_through_429s(
    owner: psycopg.Connection, api: PostgrestEmulator, worker_pool: ConnectionPool
) -> None:
    _, raj = team(owner)
    lock_a_day(api, raj)
    assert queued(owner) == 2
    with SlackSandbox() as sandbox:
        sandbox.set_faults({"rate_limit": {"count": 2, "retry_after": 1, "method": "chat.postMessage"}})
        stats = drain_until_empty(worker_pool, SlackSink(BOT_TOKEN, sandbox.api_url), owner)
        messages = sandbox.messages()
        posts = [c for c in sandbox.calls() if c["method"] == "chat.postMessage"]
    assert stats.rate_limited and stats.sent == 2 and stats.dead_lettered == 0
    assert sorted(m["channel"] for m in messages) == ["U0LENA", "U0RAJ"], "one DM each, once"
    assert [c["status"] for c in posts] == [429, 429, 200, 200]
    by_channel = {m["channel"]: m["text"] for m in messages}
    assert by_channel["U0RAJ"].startswith("Your day 2026-11-20 was locked")
    assert by_channel["U0LENA"].startswith("raj's day 2026-11-20 was locked")
    assert owner.execute("select count(*) from pgmq.a_notifications").fetchone() == (2,)
    # a second drain finds nothing to send again
    with SlackSandbox() as again:
        assert drain(worker_pool, SlackSink(BOT_TOKEN, again.api_url), FAST).sent == 0
        assert again.messages() == []


def test_repeated_failure_dead_letters(
    owner: psycopg.Connection, api: PostgrestEmulator, worker_pool: ConnectionPool
) -> None:
    _, raj = team(owner)
    lock_a_day(api, raj)
    with SlackSandbox() as sandbox:
        sandbox.set_faults({"server_error": {"count": None, "status": 503}})
        stats = drain_until_empty(worker_pool, SlackSink(BOT_TOKEN, sandbox.api_url), owner, seconds=30)
        assert sandbox.messages() == []
    assert stats.dead_lettered == 2 and stats.sent == 0
    rows = owner.execute("select message ->> 'error', (message ->> 'attempts')::int from pgmq.q_notifications_dlq")
    assert sorted(rows.fetchall()) == [("slack_http_503", FAST.max_attempts)] * 2


def test_without_slack_notices_go_to_the_log(
    owner: psycopg.Connection, api: PostgrestEmulator, worker_pool: ConnectionPool
) -> None:
    _, raj = team(owner)
    lock_a_day(api, raj)
    stats = drain(worker_pool, LogSink(), FAST)
    assert stats.sent == 2 and queued(owner) == 0


def test_the_worker_lane_sends_the_dms(
    db_url: str, owner: psycopg.Connection, api: PostgrestEmulator, spawn: Spawned
) -> None:
    """The real worker process: its notify lane drains the outbox to the Slack sandbox."""
    _, raj = team(owner)
    with KekaSandbox("127.0.0.1", 0) as keka, SlackSandbox() as slack:
        slack.set_faults({"rate_limit": {"count": 1, "retry_after": 1, "method": "chat.postMessage"}})
        env = worker_env(db_url, keka.url, free_port())
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url, NOTIFY_INTERVAL_SECONDS="1")
        spawn("worker", env)
        lock_a_day(api, raj)
        wait_for(lambda: len(slack.messages()) == 2, 60, "the two DMs")
        wait_for(lambda: queued(owner) == 0, 10, "the outbox to drain")
        assert sorted(m["channel"] for m in slack.messages()) == ["U0LENA", "U0RAJ"]
        assert next(c["status"] for c in slack.calls() if c["method"] == "chat.postMessage") == 429
    jobs = owner.execute("select distinct queue_name from procrastinate.procrastinate_jobs where task_name = 'notify'")
    assert jobs.fetchall() in ([], [("notify",)]), "the notify job runs on its own queue"
