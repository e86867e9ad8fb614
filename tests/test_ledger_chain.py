"""The ledger's hash chain (issue 14, part 7) under concurrency and across an upgrade.

pgTAP (sql/tests/700_ledger_chain.sql) covers the encoding, the tampering and who
may verify; here: many sessions writing for one employee at once through every
path (live punches, admin events, the owner's row-by-row inserts, the set-based
import) never fork the chain, and a database built by the previous release gets
its existing rows chained by migration 0088.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import psycopg
import pytest

from tests.factories import PLAN, allow_backdating, claims, employee
from tests.test_upgrade import emulator, old_db, seed  # noqa: F401  (old_db is a fixture)
from tests.upgrade import PREVIOUS_RELEASE, revision_available
from worker.db.migrate import Migrator
from worker.devtools.pgrest import PostgrestEmulator

ROUNDS = 8


def chain_of(owner: psycopg.Connection, emp: uuid.UUID) -> list[tuple[int, int]]:
    return owner.execute(
        "select chain_seq, id from app.attendance_events where employee_id = %s order by chain_seq, id", [emp]
    ).fetchall()


def first_break(owner: psycopg.Connection, emp: uuid.UUID) -> object:
    return owner.execute("select app.ledger_first_break(%s, null, null)", [emp]).fetchone()[0]


# a race shows in some runs only: three independent runs
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_writers_of_one_employee_never_fork_the_chain(
    attempt: int, api: PostgrestEmulator, owner: psycopg.Connection, db_url: str
) -> None:
    allow_backdating(owner)
    emp = employee(owner, "racer@example.com")
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    me = claims("employee", emp)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    statuses: list[tuple[int, object]] = []
    failures: list[BaseException] = []
    guard = threading.Lock()
    start = threading.Barrier(6)

    def live(worker: int) -> None:
        for i in range(ROUNDS):
            name = "clock_in" if i % 2 == 0 else "clock_out"
            r = api.rpc(name, {"plan": PLAN} if name == "clock_in" else {}, claims=me)
            with guard:
                statuses.append((r.status, r.body))

    def admin(worker: int) -> None:
        for i in range(ROUNDS):
            at = base + dt.timedelta(minutes=10 * i + worker)
            r = api.rpc(
                "add_event",
                {"employee_id": str(emp), "event_type": "BREAK_START", "occurred_at": at.isoformat(), "reason": "race"},
                claims=hr,
            )
            with guard:
                statuses.append((r.status, r.body))

    def direct(worker: int) -> None:
        # the owner's own insert, row by row, holding its transaction open a moment
        with psycopg.connect(db_url) as conn:
            conn.execute("set role hithonix_owner")
            conn.commit()
            for i in range(ROUNDS):
                with conn.transaction():
                    conn.execute(
                        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
                        " values (%s, 'BREAK_END', %s, 'import', 'race')",
                        [emp, base + dt.timedelta(minutes=10 * i + 5 + worker)],
                    )
                    conn.execute("select pg_sleep(0.005)")

    def bulk(worker: int) -> None:
        # the set-based import path
        with psycopg.connect(db_url) as conn:
            conn.execute("set role hithonix_owner")
            conn.commit()
            for i in range(ROUNDS):
                with conn.transaction():
                    at = base + dt.timedelta(hours=3, minutes=10 * i + worker)
                    conn.execute(
                        "select app.import_events_v1(array[%s, %s]::uuid[], array['LUNCH_START', 'LUNCH_END']"
                        "::app.event_type[], array[%s, %s]::timestamptz[], 'race')",
                        [emp, emp, at, at + dt.timedelta(minutes=1)],
                    )
                    conn.execute("select pg_sleep(0.005)")

    def run(work: Callable[[int], None], worker: int) -> Callable[[], None]:
        def go() -> None:
            start.wait()
            try:
                work(worker)
            except BaseException as exc:  # reported below
                with guard:
                    failures.append(exc)

        return go

    plan = [(live, 0), (admin, 0), (admin, 1), (direct, 0), (direct, 1), (bulk, 0)]
    threads = [threading.Thread(target=run(work, worker)) for work, worker in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == [], [str(f) for f in failures]
    # refusals of the state machine are fine; a deadlock or any 5xx is not
    assert {status for status, _ in statuses} <= {200, 409}, [s for s in statuses if s[0] not in (200, 409)]
    chain = chain_of(owner, emp)
    assert len(chain) >= 6 * ROUNDS  # every admin, direct and bulk row landed
    assert [seq for seq, _ in chain] == list(range(1, len(chain) + 1)), "a position taken twice or skipped"
    head = owner.execute("select chain_seq from app.ledger_chain_heads where employee_id = %s", [emp]).fetchone()
    assert head == (len(chain),)
    assert first_break(owner, emp) is None


@pytest.mark.skipif(
    not revision_available(),
    reason=f"this checkout does not have the previous release {PREVIOUS_RELEASE} (shallow clone or tarball)",
)
def test_upgrade_chains_the_rows_already_in_the_ledger(old_db: str) -> None:  # noqa: F811
    api = emulator(old_db)
    with psycopg.connect(old_db, autocommit=True) as owner:
        people = seed(owner, api)
        before = owner.execute("select count(*) from app.attendance_events").fetchone()
    assert before and before[0] > 0

    Migrator(old_db).migrate()

    with psycopg.connect(old_db, autocommit=True) as owner:
        for emp in people.values():
            rows = chain_of(owner, emp)
            # the existing rows, chained in id order
            assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
            assert [i for _, i in rows] == sorted(i for _, i in rows)
            assert first_break(owner, emp) is None, emp
        # the chain goes on from the migrated head
        asha = people["asha"]
        length = len(chain_of(owner, asha))
        punched = api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", asha))
        assert punched.status == 200, punched.body
        assert chain_of(owner, asha)[-1] == (length + 1, punched.body["event"]["id"])
        assert first_break(owner, asha) is None
        verified = api.rpc("verify_ledger", {"employee_id": str(asha)}, claims=claims("hr_admin", people["admin"]))
        assert verified.status == 200 and verified.body == {
            "ok": True,
            "employee_id": str(asha),
            "head_seq": length + 1,
        }
