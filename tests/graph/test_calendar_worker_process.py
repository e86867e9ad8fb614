"""The real calendar worker process (procrastinate, as hithonix_worker, its own lane)
against the Graph sandbox: it syncs approved and cancelled leave, survives kill -9
mid-batch without losing or duplicating an event, and refuses to start half-configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import psycopg

from tests.graph.conftest import Team
from tests.processes import clean_env, free_port, start_command, wait_for
from worker.devtools.graph_sandbox import GraphSandbox


def calendar_env(db_url: str, graph: GraphSandbox, metrics_port: int) -> dict[str, str]:
    return clean_env(
        db_url,
        ("GRAPH_", "CALENDAR_", "KEKA_", "WORKER_"),
        **graph.graph_settings().connection_env(),
        GRAPH_TIMEOUT_SECONDS="10",
        CALENDAR_SYNC_VISIBILITY_TIMEOUT_SECONDS="3",
        CALENDAR_SYNC_INTERVAL_SECONDS="1",
        CALENDAR_METRICS_PORT=str(metrics_port),
    )


def start_calendar_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return start_command("calendar-worker", env)


def states(owner: psycopg.Connection) -> dict[str, int]:
    return dict(
        owner.execute(
            "select calendar_sync_status, count(*) from app.leave_requests where status <> 'PENDING' group by 1"
        ).fetchall()
    )


def test_calendar_worker_syncs_and_survives_kill_9_mid_batch(graph: GraphSandbox, team: Team, db_url: str) -> None:
    owner = team.owner
    ids = [team.approved(who, week=0, days=2) for who in team.staff]
    graph.set_faults({"graph_hang": {"seconds": 4, "count": 1, "method": "POST"}})
    env = calendar_env(db_url, graph, free_port())
    first = start_calendar_worker(env)
    try:
        wait_for(lambda: graph.stats()["requests"].get("POST /v1.0/users/{id}/events", 0) >= 1, 60, "the first create")
        first.send_signal(signal.SIGKILL)  # mid-batch: Graph has the request, the worker dies
        first.wait(10)
    finally:
        first.kill()
    assert states(owner) == {"PENDING": 3}, "the dead worker recorded nothing"

    second = start_calendar_worker(env)
    try:
        wait_for(lambda: states(owner) == {"SYNCED": 3}, 60, "the restarted worker to finish the batch")
        # the create the dead worker left hanging in Graph lands, and finds the event the restarted
        # worker made with the same transactionId (or the other way round): one event, not two
        wait_for(lambda: graph.stats()["creates_deduplicated"] == 1, 30, "the hung create to complete")
        team.cancel(ids[0], team.staff[0])
        wait_for(lambda: states(owner) == {"SYNCED": 2, "DELETED": 1}, 30, "the cancel to reach the calendar")
        metrics = httpx.get(f"http://127.0.0.1:{env['CALENDAR_METRICS_PORT']}/metrics", timeout=5).text
        assert 'calendar_sync_done_total{action="create"} 3.0' in metrics
        assert "calendar_sync_queue_depth 0.0" in metrics
    finally:
        second.terminate()
        second.wait(15)
    events = graph.events()
    assert len(events) == 2, "nothing lost, nothing duplicated in the calendars"
    assert sorted(e["mailbox"] for e in events) == sorted(team.email(who) for who in team.staff[1:])
    assert len(graph.deleted_events()) == 1
    assert owner.execute("select count(*) from pgmq.q_calendar_sync").fetchone() == (0,)
    jobs = owner.execute("select distinct queue_name from procrastinate.procrastinate_jobs").fetchall()
    assert jobs == [("calendar",)], "the calendar lane defers only to its own job queue"


def test_calendar_worker_refuses_to_start_without_graph_settings(db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "CALENDAR_"))}
    env["DATABASE_URL"] = db_url
    done = subprocess.run(
        [sys.executable, "-m", "worker", "calendar-worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "GRAPH_TENANT_ID" in done.stderr and "missing" in done.stderr


def test_calendar_sync_command_when_disabled_reads_nothing(team: Team, db_url: str) -> None:
    team.approved(team.staff[0], week=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "CALENDAR_"))}
    env.update(DATABASE_URL=db_url, CALENDAR_SYNC_ENABLED="false")
    done = subprocess.run(
        [sys.executable, "-m", "worker", "calendar-sync"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "disabled" in done.stderr
    assert [m[1] for m in team.queue()] == [0], "the message waits, unread"
