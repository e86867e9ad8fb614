"""Keka sync end to end: outbox → worker → sandbox, under faults; employee import.

Real parts only: a migrated PostgreSQL, pgmq, the worker's code connecting as
hithonix_worker, and the Keka sandbox over real HTTP on loopback.
"""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest

from tests.factories import PLAN, allow_backdating, claims, employee
from tests.keka_fixtures import FakeClock
from worker.config import KekaSettings
from worker.devtools.keka_sandbox import KekaSandbox, seed_employees
from worker.devtools.keka_sandbox import keka_settings as sandbox_keka_settings
from worker.devtools.pgrest import PostgrestEmulator
from worker.keka.client import KekaHrisClient, KekaLogsClient, KekaUnavailable
from worker.keka.employee_import import DbTokenStore, import_employees
from worker.keka.sync import Pusher

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def keka_settings(url: str, **over: object) -> KekaSettings:
    fast = {"timeout_seconds": 0.5, "visibility_timeout_seconds": 30, "backoff_base_seconds": 1.0}
    return sandbox_keka_settings(url, **{**fast, "backoff_cap_seconds": 1.0, **over})


@pytest.fixture
def sandbox():
    with KekaSandbox("127.0.0.1", 0) as sb:
        yield sb


@pytest.fixture
def worker_conn(db_url: str):
    with psycopg.connect(db_url, user="hithonix_worker", autocommit=True) as conn:
        yield conn


def punch_day(api: PostgrestEmulator, who: dict, day: int) -> None:
    at = dt.datetime(2026, 11, day, 10, 0, tzinfo=IST)
    assert api.rpc("clock_in", {"plan": PLAN, "occurred_at": at.isoformat()}, claims=who).status == 200
    assert api.rpc("break_start", {"occurred_at": (at + dt.timedelta(hours=2)).isoformat()}, claims=who).status == 200
    assert (
        api.rpc(
            "break_end",
            {"occurred_at": (at + dt.timedelta(hours=2, minutes=10)).isoformat()},
            claims=who,
        ).status
        == 200
    )
    assert api.rpc("clock_out", {"occurred_at": (at + dt.timedelta(hours=9)).isoformat()}, claims=who).status == 200


def statuses(owner: psycopg.Connection) -> dict[str, int]:
    return dict(owner.execute("select sync_status::text, count(*) from app.attendance_events group by 1").fetchall())


def drain_until_quiet(pusher: Pusher, owner: psycopg.Connection, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pusher.drain(5)
        if not {"PENDING", "FAILED"} & set(statuses(owner)):
            return
        time.sleep(0.2)


def test_committed_punch_reaches_keka_once_rolled_back_never(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    me = employee(owner, "kai@example.com", attendance_number="A-77")
    punch_day(api, claims("employee", me), 20)
    # a punch rolled back in its transaction never leaves a message
    with owner.transaction(force_rollback=True):
        owner.execute(
            "select set_config('request.jwt.claims', %s, true)",
            [f'{{"role":"employee","employee_id":"{me}"}}'],
        )
        owner.execute("select api.clock_in(%s, '2026-11-21 10:00+05:30')", [PLAN])
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        drain_until_quiet(Pusher(worker_conn, client, keka_settings(sandbox.url)), owner)
    logs = sandbox.logs()
    assert [(x["EmployeeAttendanceNumber"], x["Timestamp"], x["Status"], x["receipts"]) for x in logs] == [
        ("A-77", "2026-11-20T10:00:00", 0, 1),
        ("A-77", "2026-11-20T19:00:00", 1, 1),
    ]
    assert statuses(owner) == {"SUCCESS": 2, "SKIPPED": 2}
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (0,)


def test_outage_then_recovery_every_event_succeeds_once(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    for n in range(5):
        punch_day(api, claims("employee", employee(owner, f"e{n}@example.com")), 20)
    outage = [
        {"logs": {"status": 500, "count": 1}},
        {"logs": {"status": 503, "count": 1}},
        {"logs": {"status": 429, "count": 1, "retry_after": 1}},
        {"logs_hang": {"seconds": 1.5, "count": 1}},  # past the client's 0.5 s timeout
    ]
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 0.5) as client:
        pusher = Pusher(worker_conn, client, keka_settings(sandbox.url))
        for fault in outage:
            sandbox.set_faults(fault)
            owner.execute("update pgmq.q_keka_sync set vt = now()")  # don't sit out the backoff
            assert pusher.push_once().failed == 10
            assert statuses(owner)["FAILED"] == 10
        sandbox.clear_faults()
        time.sleep(1.2)  # let the hung request finish on the sandbox side
        owner.execute("update pgmq.q_keka_sync set vt = now()")
        drain_until_quiet(pusher, owner)
    assert statuses(owner) == {"SUCCESS": 10, "SKIPPED": 10}
    logs = sandbox.logs()
    assert len(logs) == 10, "the sandbox's store shows each punch once"
    assert len({(x["EmployeeAttendanceNumber"], x["Timestamp"], x["Status"]) for x in logs}) == 10
    attempts = owner.execute(
        "select array_agg(distinct attempt_count) from app.attendance_events where sync_status = 'SUCCESS'"
    ).fetchone()[0]
    assert attempts == [5], "4 failed attempts and the success"
    assert sandbox.stats()["requests"]["POST /v1/logs"] == 5
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (0,)


def test_rejected_attendance_number_is_permanent_and_blocks_no_one(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    bad = employee(owner, "bad@example.com", attendance_number="A-BAD")
    for who in [bad, employee(owner, "ok1@example.com"), employee(owner, "ok2@example.com")]:
        punch_day(api, claims("employee", who), 20)
    sandbox.set_faults({"reject_attendance_numbers": ["A-BAD"]})
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        drain_until_quiet(Pusher(worker_conn, client, keka_settings(sandbox.url)), owner)
    rows = owner.execute(
        "select e.attendance_number, ev.sync_status::text from app.attendance_events ev"
        " join app.employees e on e.id = ev.employee_id where ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')"
    ).fetchall()
    assert {r for r in rows if r[0] == "A-BAD"} == {("A-BAD", "PERMANENT_FAILURE")}
    assert {r[1] for r in rows if r[0] != "A-BAD"} == {"SUCCESS"}
    flags = dict(owner.execute("select employee_id, has_sync_errors from app.daily_status").fetchall())
    assert flags.pop(bad) is True and set(flags.values()) == {False}
    assert owner.execute("select * from app.daily_status_differences('2026-11-01', '2026-11-30')").fetchall() == []


def test_dead_letter_after_max_reads_and_hr_retry(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    me = employee(owner, "dl@example.com")
    event_id = api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me)).body["event"]["id"]
    sandbox.set_faults({"logs": {"status": 503, "count": None}})
    settings = keka_settings(sandbox.url, max_reads=2)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 0.5) as client:
        pusher = Pusher(worker_conn, client, settings)
        for _ in range(3):
            owner.execute("update pgmq.q_keka_sync set vt = now()")  # skip the backoff wait
            pusher.push_once()
        assert owner.execute("select count(*) from pgmq.q_keka_sync_dlq").fetchone() == (1,)
        assert (
            owner.execute("select sync_status::text, last_sync_error from app.attendance_events").fetchone()[0]
            == "PERMANENT_FAILURE"
        )
        overview = api.get("sync_overview", claims=hr).body[0]
        assert (overview["permanent_failure"], overview["dlq_depth"]) == (1, 1)
        sandbox.clear_faults()
        r = api.rpc("retry_sync", {"event_ids": [event_id]}, claims=hr)
        assert r.status == 200 and r.body["requeued"] == 1
        drain_until_quiet(pusher, owner)
    assert statuses(owner) == {"SUCCESS": 1}
    assert api.rpc("retry_sync", {"event_ids": [event_id]}, claims=claims("employee", me)).status == 403


def test_reconcile_requeues_orphans_and_escalates_over_the_ceiling(
    api: PostgrestEmulator, owner: psycopg.Connection, worker_conn: psycopg.Connection
) -> None:
    allow_backdating(owner)
    a = employee(owner, "orphan@example.com")
    b = employee(owner, "tired@example.com")
    api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", a))
    api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", b))
    owner.execute("select pgmq.purge_queue('keka_sync')")  # both messages lost
    owner.execute(
        "update app.attendance_events set sync_status = 'FAILED', attempt_count = 8 where employee_id = %s",
        [b],
    )
    counts = worker_conn.execute("select app.reconcile_sync_v1()").fetchone()[0]
    assert counts == {"requeued": 1, "escalated": 1}
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (1,)
    err = owner.execute("select last_sync_error from app.attendance_events where employee_id = %s", [b]).fetchone()[0]
    assert err.startswith("ESCALATED")
    assert worker_conn.execute("select app.reconcile_sync_v1()").fetchone()[0] == {
        "requeued": 0,
        "escalated": 0,
    }


class TestEmployeeImport:
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def keka(self, clock: FakeClock):
        with KekaSandbox("127.0.0.1", 0, clock=clock, rate_limit_per_minute=2) as sb:
            sb.add_employees(seed_employees(250))
            yield sb

    def hris(self, keka: KekaSandbox, clock: FakeClock, conn: psycopg.Connection) -> KekaHrisClient:
        return KekaHrisClient(
            f"{keka.url}/api/v1",
            f"{keka.url}/connect/token",
            keka.config.client_id,
            keka.config.client_secret,
            keka.config.api_key,
            2.0,
            DbTokenStore(conn),
            sleep=clock.advance,
            clock=clock.utc,
        )

    def test_pages_with_429_then_idempotent_rerun(self, keka, clock, worker_conn, owner) -> None:
        first = import_employees(worker_conn, self.hris(keka, clock, worker_conn))
        assert first.pages == 3
        assert keka.stats()["responses_by_status"].get("429", 0) >= 1, "the 50/min limit (here 2) was hit"
        assert first.counts == {
            "created": 250,
            "updated": 0,
            "deactivated": 0,
            "unchanged": 0,
            "fetched": 250,
        }
        assert owner.execute("select count(*) from app.employees where employment_status = 'RELIEVED'").fetchone() == (
            50,
        )
        managed = owner.execute(
            "select count(*) from app.employees e join app.employees m on m.id = e.manager_employee_id"
            " where m.employee_number = 'E0001'"
        ).fetchone()
        assert managed == (249,)
        second = import_employees(worker_conn, self.hris(keka, clock, worker_conn))
        assert second.counts["unchanged"] == 250 and second.counts["created"] == 0 and second.counts["updated"] == 0

        changed = seed_employees(3)
        changed[1]["displayName"] = "Renamed Person"
        changed[2]["employmentStatus"] = "Relieved"
        keka.add_employees(changed[1:])
        third = import_employees(worker_conn, self.hris(keka, clock, worker_conn))
        assert (third.counts["updated"], third.counts["deactivated"]) == (1, 1)
        runs = owner.execute(
            "select status, created_count, updated_count, deactivated_count from app.keka_employee_imports order by id"
        ).fetchall()
        assert runs == [("SUCCEEDED", 250, 0, 0), ("SUCCEEDED", 0, 0, 0), ("SUCCEEDED", 0, 1, 1)]
        assert owner.execute("select count(*) from app.keka_tokens").fetchone() == (1,)

    def test_failure_half_way_changes_nothing(self, keka, clock, worker_conn, owner) -> None:
        keka.set_faults({"rate_limit_per_minute": 50})
        client = self.hris(keka, clock, worker_conn)
        client.get_employee_page(1, 100)  # a page succeeds, then Keka breaks for good
        keka.set_faults({"hris": {"status": 500, "count": None}})
        with pytest.raises(KekaUnavailable):
            import_employees(worker_conn, client)
        assert owner.execute("select count(*) from app.employees").fetchone() == (0,)
        status, errors = owner.execute("select status, errors from app.keka_employee_imports").fetchone()
        assert status == "FAILED" and "KekaUnavailable" in errors[0]
