"""Keka sync end to end: outbox → worker → sandbox, under faults; employee import.

Real parts only: a migrated PostgreSQL, pgmq, the worker's code connecting as
hithonix_worker, and the Keka sandbox over real HTTP on loopback.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

import psycopg
import pytest

from tests.factories import PLAN, allow_backdating, claims, employee
from tests.keka_fixtures import FakeClock
from worker.config import KekaSettings
from worker.devtools.keka_sandbox import KekaSandbox, seed_employees
from worker.devtools.keka_sandbox import keka_settings as sandbox_keka_settings
from worker.devtools.keka_sandbox.config import DEVICE_IDENTIFIER
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


def overview(api: PostgrestEmulator, owner: psycopg.Connection) -> dict:
    hr = claims("hr_admin", employee(owner, f"hr-{time.monotonic_ns()}@example.com", role="hr_admin"))
    response = api.get("sync_overview", claims=hr)
    assert response.status == 200, response.body
    return response.body[0]


def receipts(sandbox: KekaSandbox) -> list[int]:
    return sorted(x["receipts"] for x in sandbox.logs())


def test_outage_longer_than_the_old_dead_letter_horizon_delivers_every_punch_once(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    """Issue 19 item 2: an outage of any length ends with every punch delivered once,
    automatically, nothing dead-lettered; reads during it count against no punch."""
    allow_backdating(owner)
    for n in range(5):
        punch_day(api, claims("employee", employee(owner, f"e{n}@example.com")), 20)
    owner.execute("update app.settings set value = '2' where key = 'keka_sync_max_attempts'")
    settings = keka_settings(sandbox.url, probe_interval_seconds=0.1)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 0.5) as client:
        pusher = Pusher(worker_conn, client, settings)
        sandbox.set_faults({"logs": {"status": 503, "count": None, "retry_after": None}})
        deadline = time.monotonic() + 3
        reads = 0
        while time.monotonic() < deadline:
            reads += pusher.drain(1).read
            worker_conn.execute("select app.reconcile_sync_v1()")
            time.sleep(0.05)
        outage_requests = sandbox.stats()["requests"]["POST /v1/logs"]
        # far more reads than the old horizon (10 reads, or 8 attempts) ...
        assert reads > 10 and outage_requests > 10
        # ... yet every probe carried one punch, and none was struck or dead-lettered
        assert statuses(owner) == {"FAILED": 10, "SKIPPED": 10}
        assert owner.execute("select count(*) from pgmq.q_keka_sync_dlq").fetchone() == (0,)
        assert owner.execute("select count(*) from pgmq.q_keka_sync where message ? 'strikes'").fetchone() == (0,)
        during = overview(api, owner)
        assert (during["circuit_state"], during["circuit_kind"]) == ("OPEN", "OUTAGE")
        assert "503" in during["circuit_reason"] and during["permanent_failure"] == 0
        # Keka comes back: the next probe (within probe_interval, not a backoff) resumes
        sandbox.clear_faults()
        drain_until_quiet(pusher, owner, seconds=10)
    assert statuses(owner) == {"SUCCESS": 10, "SKIPPED": 10}
    assert receipts(sandbox) == [1] * 10, "each punch stored once, without relying on de-duplication"
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (0,)
    after = overview(api, owner)
    assert (after["circuit_state"], after["dlq_depth"], after["failed"]) == ("CLOSED", 0, 0)


def test_recovery_after_assorted_faults_and_retry_after(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    for n in range(3):
        punch_day(api, claims("employee", employee(owner, f"f{n}@example.com")), 20)
    settings = keka_settings(sandbox.url, probe_interval_seconds=0.1)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 0.5) as client:
        pusher = Pusher(worker_conn, client, settings)
        sandbox.set_faults({"logs": {"status": 500, "count": 1}})
        stats = pusher.push_once()
        assert (stats.failed, stats.circuit_open, stats.requests) == (6, 1, 1)
        time.sleep(0.2)
        sandbox.set_faults({"logs": {"status": 429, "count": 1, "retry_after": 1}})
        stats = pusher.push_once()
        assert (stats.probes, stats.failed, stats.circuit_open) == (1, 1, 1), "one punch probes"
        probe_at = owner.execute("select next_probe_at - now() from app.keka_sync_circuit").fetchone()[0]
        assert probe_at > dt.timedelta(seconds=0.5), "Retry-After is honoured by the next probe"
        time.sleep(1.1)
        drain_until_quiet(pusher, owner)
    assert statuses(owner) == {"SUCCESS": 6, "SKIPPED": 6}
    assert receipts(sandbox) == [1] * 6


def test_lost_answer_is_sent_again_and_marked_as_possibly_twice_in_keka(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    """The residual duplicate risk, stated: Keka stored the request whose answer was lost."""
    allow_backdating(owner)
    punch_day(api, claims("employee", employee(owner, "lost@example.com")), 20)
    sandbox.set_faults({"logs_hang": {"seconds": 1.0, "count": 1}})  # past the client's 0.5 s timeout
    settings = keka_settings(sandbox.url, probe_interval_seconds=0.1)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 0.5) as client:
        pusher = Pusher(worker_conn, client, settings)
        assert pusher.push_once().failed == 2
        assert owner.execute("select count(*) from app.attendance_events where keka_ref = 'MAYBE_SENT'").fetchone() == (
            2,
        )
        time.sleep(1.0)  # the hung request lands in Keka
        drain_until_quiet(pusher, owner)
    refs = [r[0] for r in owner.execute("select keka_ref from app.attendance_events where sync_status = 'SUCCESS'")]
    assert len(refs) == 2 and all("possibly twice in Keka" in ref for ref in refs)
    assert receipts(sandbox) == [2, 2]


@pytest.mark.parametrize("broken", ["rotated key", "device identifier with a trailing space"])
def test_whole_request_rejection_opens_the_circuit_and_resumes_when_fixed(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
    broken: str,
) -> None:
    allow_backdating(owner)
    for n in range(60):
        punch_day(api, claims("employee", employee(owner, f"r{n}@example.com")), 20)
    good = keka_settings(sandbox.url)
    if broken == "rotated key":
        sandbox.set_faults({"ingestion_key": "rotated-at-keka"})
        bad, fixed = good, keka_settings(sandbox.url, ingestion_key="rotated-at-keka")
    else:
        bad, fixed = keka_settings(sandbox.url, device_identifier=DEVICE_IDENTIFIER + " "), good
    with KekaLogsClient(sandbox.url, bad.ingestion_key, 2) as client:
        pusher = Pusher(worker_conn, client, bad)
        for _ in range(5):
            pusher.drain(2)
            worker_conn.execute("select app.reconcile_sync_v1()")
    # one request, not a bisection of 120 punches; nothing became PERMANENT_FAILURE
    assert sandbox.stats()["requests"]["POST /v1/logs"] == 1
    assert statuses(owner) == {"FAILED": 100, "PENDING": 20, "SKIPPED": 120}
    signal = overview(api, owner)
    assert (signal["circuit_state"], signal["circuit_kind"], signal["permanent_failure"]) == ("OPEN", "REJECTED", 0)
    assert "401" in signal["circuit_reason"] or "System.Guid" in signal["circuit_reason"]
    assert sandbox.logs() == []
    # the operator fixes the configuration: the worker probes at once and resumes
    with KekaLogsClient(sandbox.url, fixed.ingestion_key, 2) as client:
        drain_until_quiet(Pusher(worker_conn, client, fixed), owner)
    assert statuses(owner) == {"SUCCESS": 120, "SKIPPED": 120}
    assert receipts(sandbox) == [1] * 120
    assert overview(api, owner)["circuit_state"] == "CLOSED"


def test_poison_punch_is_dead_lettered_alone_and_hr_retries_it(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    """Only a punch that fails on its own while others are accepted is dead-lettered."""
    allow_backdating(owner)
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    poison = employee(owner, "poison@example.com", attendance_number="A-POISON")
    at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=IST).isoformat()
    assert api.rpc("clock_in", {"plan": PLAN, "occurred_at": at}, claims=claims("employee", poison)).status == 200
    for n in range(3):
        punch_day(api, claims("employee", employee(owner, f"p{n}@example.com")), 20)
    owner.execute("update app.settings set value = '2' where key = 'keka_sync_max_attempts'")
    sandbox.set_faults({"fail_attendance_numbers": ["A-POISON"]})
    settings = keka_settings(sandbox.url, probe_interval_seconds=0.1)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        pusher = Pusher(worker_conn, client, settings)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pusher.drain(2)
            if owner.execute("select count(*) from pgmq.q_keka_sync_dlq").fetchone()[0] == 1:
                break
            # don't sit out a strike's backoff (the rest keep their own timing: probes rotate)
            owner.execute("update pgmq.q_keka_sync set vt = now() where message ? 'strikes'")
            time.sleep(0.1)
        rows = owner.execute(
            "select e.attendance_number, ev.sync_status::text, ev.last_sync_error from app.attendance_events ev"
            " join app.employees e on e.id = ev.employee_id where ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')"
        ).fetchall()
        assert {(r[0], r[1]) for r in rows if r[0] == "A-POISON"} == {("A-POISON", "PERMANENT_FAILURE")}
        assert all(r[2].startswith("DEAD_LETTERED: failed 2 times on its own") for r in rows if r[0] == "A-POISON")
        assert {r[1] for r in rows if r[0] != "A-POISON"} == {"SUCCESS"}
        assert owner.execute("select count(*) from pgmq.q_keka_sync_dlq").fetchone() == (1,)
        sandbox.clear_faults()
        ids = [
            r[0] for r in owner.execute("select id from app.attendance_events where sync_status = 'PERMANENT_FAILURE'")
        ]
        assert api.rpc("retry_sync", {"event_ids": ids}, claims=hr).body["requeued"] == 1
        drain_until_quiet(pusher, owner)
    assert statuses(owner) == {"SUCCESS": 7, "SKIPPED": 6}
    assert receipts(sandbox) == [1] * 7


def test_counts_not_per_item_results_unconfirmed_is_not_success(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    dropped = employee(owner, "dropped@example.com", attendance_number="A-DROPPED")
    punch_day(api, claims("employee", dropped), 20)
    punch_day(api, claims("employee", employee(owner, "kept@example.com")), 20)
    sandbox.set_faults({"reject_attendance_numbers": ["A-DROPPED"]})  # 200, logsAccepted 2 of 4
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        drain_until_quiet(Pusher(worker_conn, client, keka_settings(sandbox.url)), owner)
    rows = owner.execute(
        "select sync_status::text, last_sync_error from app.attendance_events where sync_status <> 'SKIPPED'"
    ).fetchall()
    assert {r[0] for r in rows} == {"PERMANENT_FAILURE"}, "Keka does not say which 2 it took: none is SUCCESS"
    assert all(r[1].startswith("UNCONFIRMED: Keka accepted 2 of 4") for r in rows)
    assert overview(api, owner)["unconfirmed"] == 4
    assert sandbox.stats()["requests"]["POST /v1/logs"] == 1, "never re-sent automatically (no duplicates)"


def test_unknown_attendance_number_is_held_back_until_an_import_knows_it(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    sandbox.add_employees(seed_employees(2))
    hris = KekaHrisClient(
        f"{sandbox.url}/api/v1",
        f"{sandbox.url}/connect/token",
        sandbox.config.client_id,
        sandbox.config.client_secret,
        sandbox.config.api_key,
        2.0,
        DbTokenStore(worker_conn),
    )
    import_employees(worker_conn, hris)
    known = owner.execute("select id from app.employees where attendance_number = 'A0001'").fetchone()[0]
    stranger = employee(owner, "local@example.com", attendance_number="A-LOCAL")
    punch_day(api, claims("employee", known), 20)
    punch_day(api, claims("employee", stranger), 20)
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        pusher = Pusher(worker_conn, client, keka_settings(sandbox.url))
        pusher.drain(5)
        held = owner.execute(
            "select sync_status::text, attempt_count, last_sync_error from app.attendance_events"
            " where employee_id = %s and event_type in ('CLOCK_IN', 'CLOCK_OUT')",
            [stranger],
        ).fetchall()
        assert {(r[0], r[1]) for r in held} == {("FAILED", 0)}, "held back, never sent"
        assert all("HELD_BACK: attendance number 'A-LOCAL' is unknown" in r[2] for r in held)
        assert overview(api, owner)["held_back"] == 2
        assert [x["EmployeeAttendanceNumber"] for x in sandbox.logs()] == ["A0001", "A0001"]
        # Keka learns the number, the next import brings it, the held punches go
        sandbox.add_employees(
            [
                {
                    "id": "7d1f4a52-0000-4000-8000-00000000a10c",
                    "employeeNumber": "E-LOCAL",
                    "attendanceNumber": "A-LOCAL",
                    "email": "local@example.com",
                    "displayName": "Local Person",
                }
            ]
        )
        import_employees(worker_conn, hris)
        owner.execute("update pgmq.q_keka_sync set vt = now()")  # don't wait out the hold
        drain_until_quiet(pusher, owner)
    assert statuses(owner) == {"SUCCESS": 4, "SKIPPED": 4}


def test_voided_pending_punch_is_never_sent_voided_sent_one_needs_correction(
    api: PostgrestEmulator,
    owner: psycopg.Connection,
    worker_conn: psycopg.Connection,
    sandbox: KekaSandbox,
) -> None:
    allow_backdating(owner)
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    me = employee(owner, "v@example.com", attendance_number="A-V")
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=IST)
    first = api.rpc("clock_in", {"plan": PLAN, "occurred_at": at.isoformat()}, claims=claims("employee", me))
    pending_id = first.body["event"]["id"]
    assert api.rpc("void_event", {"event_id": pending_id, "reason": "wrong day"}, claims=hr).status == 200
    with KekaLogsClient(sandbox.url, sandbox.config.ingestion_key, 2) as client:
        pusher = Pusher(worker_conn, client, keka_settings(sandbox.url))
        drain_until_quiet(pusher, owner)
        assert sandbox.logs() == [], "voided while waiting: never sent"
        status, error = owner.execute(
            "select sync_status::text, last_sync_error from app.attendance_events where id = %s", [pending_id]
        ).fetchone()
        assert status == "SKIPPED" and error.startswith("VOIDED_BEFORE_SEND")
        later = at + dt.timedelta(days=1)
        sent = api.rpc("clock_in", {"plan": PLAN, "occurred_at": later.isoformat()}, claims=claims("employee", me))
        drain_until_quiet(pusher, owner)
    sent_id = sent.body["event"]["id"]
    assert api.rpc("void_event", {"event_id": sent_id, "reason": "duplicate"}, claims=hr).status == 200
    corrections = api.get("keka_corrections", claims=hr)
    assert corrections.status == 200
    assert [(c["event_id"], c["attendance_number"], c["sync_status"]) for c in corrections.body] == [
        (sent_id, "A-V", "SUCCESS")
    ]
    assert overview(api, owner)["needs_keka_correction"] == 1
    assert api.get("keka_corrections", claims=claims("employee", me)).status in (401, 403)


def test_reconcile_requeues_orphans_whatever_their_attempts_and_restores_outage_victims(
    api: PostgrestEmulator, owner: psycopg.Connection, worker_conn: psycopg.Connection
) -> None:
    allow_backdating(owner)
    a = employee(owner, "orphan@example.com")
    b = employee(owner, "tired@example.com")
    c = employee(owner, "victim@example.com")
    for who in (a, b, c):
        api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", who))
    owner.execute("select pgmq.purge_queue('keka_sync')")  # every message lost
    owner.execute(
        "update app.attendance_events set sync_status = 'FAILED', attempt_count = 80 where employee_id = %s", [b]
    )
    # what the previous release did to a punch in a long outage
    owner.execute(
        "update app.attendance_events set sync_status = 'PERMANENT_FAILURE',"
        " last_sync_error = 'DEAD_LETTERED: read 10 times without success' where employee_id = %s",
        [c],
    )
    owner.execute(
        "select pgmq.send('keka_sync_dlq', jsonb_build_object('event_id', id)) from app.attendance_events"
        " where employee_id = %s",
        [c],
    )
    counts = worker_conn.execute("select app.reconcile_sync_v1()").fetchone()[0]
    assert counts == {"requeued": 3, "restored": 1}
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (3,)
    assert owner.execute("select count(*) from pgmq.q_keka_sync_dlq").fetchone() == (0,)
    assert statuses(owner) == {"PENDING": 1, "FAILED": 2}
    assert worker_conn.execute("select app.reconcile_sync_v1()").fetchone()[0] == {"requeued": 0, "restored": 0}


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
            "skipped": 0,
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

    def test_odd_profiles_are_skipped_and_reported_the_rest_imported(self, keka, clock, worker_conn, owner) -> None:
        """Keka's real shapes (null email, object jobTitle, numeric employmentStatus) and
        bad records (an over-long value, a bad date, no id) do not sink the run."""
        keka.reset()
        keka.set_faults({"rate_limit_per_minute": 50})
        good = seed_employees(3)
        good[2]["email"] = None  # an existing employee's null email keeps the stored one
        keka.add_employees(good[:2])
        first = import_employees(worker_conn, self.hris(keka, clock, worker_conn))
        assert (first.counts["created"], first.counts["skipped"]) == (2, 0)
        keka.add_employees([{**good[1], "email": None, "displayName": "Still Two"}])
        odd = [
            {**good[2], "employeeNumber": "E-NEW"},  # new and without an email: cannot be created
            {
                "id": "0b7e7f0e-0000-4000-8000-00000000b0b0",
                "employeeNumber": "E-LONG",
                "attendanceNumber": secrets.token_hex(5000),  # 10,000 characters
                "email": "long@example.com",
                "displayName": "Long Number",
            },
            {
                "id": "0b7e7f0e-0000-4000-8000-00000000da7e",
                "employeeNumber": "E-DATE",
                "email": "date@example.com",
                "displayName": "Bad Date",
                "joiningDate": "2026-02-31T00:00:00",
            },
            {
                "id": "0b7e7f0e-0000-4000-8000-0000000000ok",
                "employeeNumber": "E-OK",
                "attendanceNumber": "A-OK",
                "email": "ok@example.com",
                "displayName": "Fine Person",
                "jobTitle": {"identifier": "t-1", "title": "Staff Nurse"},
                "employmentStatus": 1,
            },
        ]
        keka.add_employees(odd)
        run = import_employees(worker_conn, self.hris(keka, clock, worker_conn))
        assert run.counts["skipped"] == 3 and run.counts["created"] == 1 and run.counts["updated"] == 1
        status, skipped, errors = owner.execute(
            "select status, skipped_count, errors from app.keka_employee_imports where id = %s", [run.run_id]
        ).fetchone()
        assert (status, skipped) == ("SUCCEEDED", 3)
        reasons = {e["employee_number"]: e["reason"] for e in errors}
        assert set(reasons) == {"E-NEW", "E-LONG", "E-DATE"}
        assert "email is null" in reasons["E-NEW"]
        assert len(reasons["E-LONG"]) <= 300
        rows = dict(
            owner.execute(
                "select employee_number, (email::text, full_name, designation, employment_status::text)"
                " from app.employees"
            ).fetchall()
        )
        assert rows["E-OK"] == ("ok@example.com", "Fine Person", "Staff Nurse", "RELIEVED")
        assert rows["E0002"] == ("employee2@example.test", "Still Two", "Engineer", "ACTIVE")
        assert set(rows) == {"E0001", "E0002", "E-OK"}
