"""Visitors through the request path: the NOTIFY stream on channel ``visitors``
(delivered at commit, in commit order, ids only, never for a rolled-back
sign-in) and the worker's retention purge job."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

from tests import factories
from worker.db.urls import derive_url
from worker.devtools.keka_sandbox import keka_settings
from worker.devtools.pgrest import PostgrestEmulator
from worker.tasks import create_app
from worker.visitors import jobs


def test_notify_stream_in_commit_order_never_rolled_back(
    db_url: str, owner: psycopg.Connection, api: PostgrestEmulator
) -> None:
    hr = factories.employee(owner, "hr@example.com", role="hr_admin")
    host = factories.employee(owner, "host@example.com")
    admin = factories.claims("hr_admin", hr)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("listen visitors")
        first = api.rpc("visitor_sign_in", {"name": "Asha Rao", "host_employee_id": str(host)}, claims=admin)
        assert first.status == 200, first.body
        # a sign-in whose transaction rolls back (the request fails after the insert) sends nothing
        with psycopg.connect(db_url) as conn:
            conn.execute(
                "select set_config('request.jwt.claims', %s, true), set_config('role', 'hr_admin', true)",
                [json.dumps(admin)],
            )
            conn.execute("select api.visitor_sign_in('Rolled Back', %s)", [host])
            conn.rollback()
        second = api.rpc("visitor_sign_in", {"name": "Ben Ortiz", "host_employee_id": str(host)}, claims=admin)
        out = api.rpc("visitor_sign_out", {"visitor_id": first.body["id"]}, claims=admin)
        assert second.status == 200 and out.status == 200
        received = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=4)]
    assert [(n["op"], n["visitor_id"]) for n in received] == [
        ("sign_in", first.body["id"]),
        ("sign_in", second.body["id"]),
        ("sign_out", first.body["id"]),
    ]
    assert all(set(n) == {"op", "visitor_id", "site", "host_employee_id", "at"} for n in received), "ids only"
    assert all(n["host_employee_id"] == str(host) for n in received)


def test_purge_job_nulls_personal_data_past_retention(db_url: str, owner: psycopg.Connection) -> None:
    host = factories.employee(owner, "host@example.com")
    old, recent = (
        owner.execute(
            "insert into app.visitors (name, company, purpose, host_employee_id, signed_in_at, signed_in_by)"
            " values (%s, 'Co', 'Visit', %s, now() - make_interval(days => %s), 'test') returning id",
            [name, host, days],
        ).fetchone()[0]  # type: ignore[index]
        for name, days in (("Old Olga", 31), ("Recent Rita", 29))
    )
    with ConnectionPool(derive_url(db_url, user="hithonix_worker"), min_size=1, max_size=1, open=True) as pool:
        assert jobs.purge(pool, batch=1) == 1, "the batch loop stops at a short batch"
        assert jobs.purge(pool) == 0, "a second run purges nothing"
    rows = dict(owner.execute("select id, (name, company, purpose, purged_at is not null)::text from app.visitors"))
    assert rows == {old: "(,,,t)", recent: '("Recent Rita",Co,Visit,f)'}
    assert owner.execute("select count(*) from app.audit_logs where action = 'VISITOR_PURGE'").fetchone() == (1,)


def signed_in_visitors(owner: psycopg.Connection, host: object, names: list[str], ago: str) -> None:
    """Visitors of ``host`` still signed in, who signed in ``ago`` (an interval)."""
    owner.execute(
        "insert into app.visitors (name, host_employee_id, signed_in_at, signed_in_by)"
        " select n, %s, now() - %s::interval, 'test' from unnest(%s::text[]) as n",
        [host, ago, names],
    )


def worker_task(db_url: str, name: str) -> Any:
    """One of the worker app's visitor tasks, on the visitors queue."""
    app = create_app(make_conninfo(db_url, user="hithonix_worker"), keka_settings("http://127.0.0.1:9"))
    task = app.tasks[name]
    assert task.queue == jobs.QUEUE
    return task


def test_the_worker_runs_the_purge_as_a_periodic_job(db_url: str, owner: psycopg.Connection) -> None:
    signed_in_visitors(owner, factories.employee(owner, "host@example.com"), ["Old Olga"], "400 days")
    purge_task = worker_task(db_url, "visitor_purge")
    assert purge_task(timestamp=0) == {"purged": 1}
    assert purge_task(timestamp=0) == {"purged": 0}


def test_the_worker_announces_overstaying_visitors_once(db_url: str, owner: psycopg.Connection) -> None:
    host = factories.employee(owner, "host@example.com")
    signed_in_visitors(owner, host, ["Guest 1", "Guest 2", "Guest 3"], "1 day")
    with ConnectionPool(derive_url(db_url, user="hithonix_worker"), min_size=1, max_size=1, open=True) as pool:
        assert jobs.notify_overstays(pool, batch=2) == 3, "the batch loop runs until a short batch"
        assert jobs.notify_overstays(pool) == 0, "each visitor is announced once"
    assert worker_task(db_url, "visitor_overstay")(timestamp=0) == {"notified": 0}
    notices = owner.execute(
        "select message ->> 'employee_id', message ->> 'text' from pgmq.q_notifications"
        " where message ->> 'kind' = 'VISITOR_OVERSTAYED' order by msg_id"
    ).fetchall()
    assert [employee for employee, _ in notices] == [str(host)] * 3
    assert all(text.startswith("Your visitor Guest ") for _, text in notices), notices
