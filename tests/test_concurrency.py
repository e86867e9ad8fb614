"""Concurrent punches for one employee are serialized: exactly one CLOCK_IN wins."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.factories import PLAN, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response


def race(api: PostgrestEmulator, n: int, body: dict, who: dict) -> list[Response]:
    barrier = threading.Barrier(n)
    results: list[Response] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        r = api.rpc("clock_in", body, claims=who)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_clock_ins_one_wins(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = employee(owner, "racer@example.com")
    results = race(api, 8, {"plan": PLAN}, claims("employee", me))
    statuses = sorted((r.status, r.code) for r in results)
    assert statuses.count((200, None)) == 1, statuses
    assert statuses.count((409, "ALREADY_CLOCKED_IN")) == 7, statuses
    count = owner.execute("select count(*) from app.attendance_events where employee_id = %s", [me]).fetchone()
    assert count == (1,)


def test_concurrent_replays_of_one_key_make_one_event(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    me = employee(owner, "retry@example.com")
    results = race(api, 6, {"plan": PLAN, "idempotency_key": "k-1"}, claims("employee", me))
    assert {r.status for r in results} == {200}
    assert len({r.body["event"]["id"] for r in results}) == 1
    assert sum(1 for r in results if r.body.get("replayed")) == 5


# The ledger's employee is checked once per statement (migration 0165, no
# foreign key): an INSERT and a DELETE of its employee racing each other never
# leave a ledger row of nobody, whichever comes first. The rows carry their
# chain (as the bulk path's do), so no chain head of the employee is written:
# only the statement check and the employees' guard stand between them.
CHAINED_INSERT = """
select set_config('hithonix.ledger_chain_given', 'on', true);
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, chain_seq, chain_hash)
values (%s, 'CLOCK_IN', now() - interval '1 hour', 'import', 'race', 1, sha256('\\x00'::bytea));
"""


def _plain_employee(owner: psycopg.Connection, email: str) -> str:
    row = owner.execute(
        "insert into app.employees (email, full_name) values (%s, 'R') returning id", [email]
    ).fetchone()
    assert row
    return str(row[0])


def _wait_until_blocked(owner: psycopg.Connection, pid: int) -> None:
    for _ in range(500):
        row = owner.execute("select wait_event_type from pg_stat_activity where pid = %s", [pid]).fetchone()
        if row and row[0] == "Lock":
            return
        threading.Event().wait(0.01)
    raise AssertionError("the second transaction never waited for the first")


def _in_thread(conn: psycopg.Connection, sql: str, params: list[str]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with conn.transaction():
                for statement in sql.strip().split(";\n"):
                    conn.execute(statement, params if "%s" in statement else None)
        except psycopg.Error as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


# A live row (source web) skips the statement check when its step stored the
# day: the employee's chain head, which the step advances (inserts, for a first
# punch: its foreign key KEY SHARE-locks the employee) and whose own foreign key
# names the employee, stands for it. The same two races, with a live insert.
LIVE_INSERT = """
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (%s, 'CLOCK_IN', now(), 'web', 'race');
"""
RACING_INSERTS = pytest.mark.parametrize("insert", [CHAINED_INSERT, LIVE_INSERT], ids=["chained", "live"])


@RACING_INSERTS
def test_delete_of_employee_during_ledger_insert_is_refused(
    db_url: str, owner: psycopg.Connection, insert: str
) -> None:
    who = _plain_employee(owner, "race-a@example.com")
    with psycopg.connect(db_url) as inserter, psycopg.connect(db_url, autocommit=True) as deleter:
        # rows written; the employee KEY SHARE-locked (chained) or its chain head locked by the live step
        for statement in insert.strip().split(";\n"):
            inserter.execute(statement, [who] if "%s" in statement else None)
        if insert is LIVE_INSERT:  # the step stored the day: no statement check ran
            stored = inserter.execute(
                "select ds.last_event_id = (select max(ev.id) from app.attendance_events as ev"
                " where ev.employee_id = %s) from app.daily_status as ds where ds.employee_id = %s",
                [who, who],
            ).fetchone()
            assert stored == (True,)
        thread, errors = _in_thread(deleter, "delete from app.employees where id = %s", [who])
        _wait_until_blocked(owner, deleter.info.backend_pid)
        inserter.commit()
        thread.join()
    assert [getattr(e, "sqlstate", None) for e in errors] == ["23503"], errors
    assert owner.execute("select count(*) from app.employees where id = %s", [who]).fetchone() == (1,)


@RACING_INSERTS
def test_ledger_insert_during_delete_of_its_employee_is_refused(
    db_url: str, owner: psycopg.Connection, insert: str
) -> None:
    who = _plain_employee(owner, "race-b@example.com")
    with psycopg.connect(db_url) as deleter, psycopg.connect(db_url, autocommit=True) as inserter:
        deleter.execute("delete from app.employees where id = %s", [who])  # its guard saw no ledger rows, no head
        thread, errors = _in_thread(inserter, insert, [who])
        _wait_until_blocked(owner, inserter.info.backend_pid)
        deleter.commit()
        thread.join()
    assert [getattr(e, "sqlstate", None) for e in errors] == ["23503"], errors
    assert owner.execute("select count(*) from app.attendance_events where employee_id = %s", [who]).fetchone() == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "delete from app.employees where id = %s",
        "update app.employees set id = gen_random_uuid() where id = %s",
        "truncate app.employees cascade",
    ],
    ids=["delete", "re-key", "truncate"],
)
def test_employee_delete_refused_above_read_committed(db_url: str, owner: psycopg.Connection, statement: str) -> None:
    """The guard needs a current snapshot (the RI checks take a second one, PL/pgSQL cannot):
    a REPEATABLE READ delete, re-key or truncate could miss rows a writer it waited for committed."""
    who = _plain_employee(owner, "race-c@example.com")
    with psycopg.connect(db_url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        try:
            conn.execute(statement, [who] if "%s" in statement else None)
        except psycopg.Error as exc:
            assert exc.sqlstate == "0A000", exc
        else:
            raise AssertionError(f"a REPEATABLE READ {statement.split()[0]} of employees was not refused")
    owner.execute("delete from app.employees where id = %s", [who])  # READ COMMITTED: allowed, nothing refers
    assert owner.execute("select count(*) from app.employees where id = %s", [who]).fetchone() == (0,)


def test_concurrent_settings_writes_leave_the_merged_copy_current(db_url: str, owner: psycopg.Connection) -> None:
    """Two transactions write different settings at once: app.settings_merged (what the live punch
    reads) ends equal to the settings, with both changes (the second merge waits, then re-reads)."""
    with psycopg.connect(db_url) as first, psycopg.connect(db_url, autocommit=True) as second:
        first.execute("update app.settings set value = '13' where key = 'max_shift_hours'")  # merged row locked
        retention = "update app.settings set value = '30' where key = 'audit_retention_days'"
        thread, errors = _in_thread(second, retention, [])
        _wait_until_blocked(owner, second.info.backend_pid)
        first.commit()
        thread.join()
    assert errors == []
    assert owner.execute(
        "select m.value = (select jsonb_object_agg(s.key, s.value) from app.settings as s),"
        " m.value -> 'max_shift_hours', m.value -> 'audit_retention_days', m.live -> 'max_shift_hours'"
        " from app.settings_merged as m"
    ).fetchone() == (True, 13, 30, 13)
