"""The last active hr_admin under concurrency (issue 14 part 2): two admins
demoting each other at once cannot leave the company without one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from tests.factories import claims, employee
from worker.devtools.pgrest import PostgrestEmulator


def active_admins(owner: psycopg.Connection) -> int:
    row = owner.execute(
        "select count(*) from app.employees where role = 'hr_admin' and employment_status = 'ACTIVE'"
    ).fetchone()
    assert row
    return int(row[0])


def test_overlapping_demotions_the_second_waits_and_is_refused(db_url: str, owner: psycopg.Connection) -> None:
    """Two transactions, each demoting one of the last two admins, overlap: the
    second waits for the first's lock, then counts again and is refused."""
    first_admin = employee(owner, "a@example.com", role="hr_admin")
    second_admin = employee(owner, "b@example.com", role="hr_admin")
    demote = "update app.employees set role = 'approver' where id = %s"
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        first.execute(demote, [first_admin])  # open transaction, holds the lock
        outcome: list[BaseException | None] = []

        def run_second() -> None:
            try:
                second.execute(demote, [second_admin])
                second.commit()
                outcome.append(None)
            except psycopg.Error as exc:
                second.rollback()
                outcome.append(exc)

        thread = threading.Thread(target=run_second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second demotion must wait for the first transaction"
        first.commit()
        thread.join(timeout=30)
        assert len(outcome) == 1
        refused = outcome[0]
        assert isinstance(refused, psycopg.Error)
        assert refused.diag.sqlstate == "PT409"
        assert refused.diag.message_primary == "LAST_HR_ADMIN"
    assert active_admins(owner) == 1


def test_admins_demoting_each_other_through_the_api(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    def demote(start: threading.Barrier, me: object, other: object) -> tuple[int, str | None]:
        start.wait()
        r = api.rpc("unassign_roles", {"employee_ids": [str(other)], "role": "hr_admin"}, claims=claims("hr_admin", me))
        return r.status, r.code

    for n in range(5):
        a = employee(owner, f"a{n}@example.com", role="hr_admin")
        b = employee(owner, f"b{n}@example.com", role="hr_admin")
        # the survivors of earlier rounds step down first: a and b are the last two
        owner.execute(
            "update app.employees set role = 'approver' where role = 'hr_admin' and id not in (%s, %s)", [a, b]
        )
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(demote, [start, start], [a, b], [b, a]))
        # the loser is refused by the trigger, or by the pre-request when its own role was taken first
        assert outcomes[0] == (200, None), outcomes
        assert outcomes[1] in ((403, "FORBIDDEN"), (409, "LAST_HR_ADMIN")), outcomes
        assert active_admins(owner) == 1
