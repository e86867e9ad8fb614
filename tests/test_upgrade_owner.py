"""Upgrading the previous release's database to the owner layout (issue 10).

A database built by the previous release's own runner (``tests/upgrade.py``),
holding what that release let through (an admin event at -infinity, two live
outbox messages for one event), is upgraded by today's ``make migrate``: every
application object then belongs to the non-superuser ``hithonix_owner``, which
cannot switch the guards off; the legacy rows are kept and stay readable; the
new bounds hold for new rows.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.factories import PLAN, claims, employee
from tests.test_upgrade import emulator, ok, old_db  # noqa: F401 (old_db is a fixture)
from tests.upgrade import PREVIOUS_RELEASE, revision_available
from worker.db.migrate import Migrator

pytestmark = pytest.mark.skipif(
    not revision_available(),
    reason=f"this checkout does not have the previous release {PREVIOUS_RELEASE} (shallow clone or tarball)",
)

SCHEMAS = ("app", "api", "pgmq", "procrastinate", "migrations")


def not_owned(owner: psycopg.Connection) -> list[str]:
    return [
        row[0]
        for row in owner.execute(
            """
            select 'schema ' || n.nspname from pg_namespace as n
            where n.nspname = any(%(s)s) and n.nspowner <> 'hithonix_owner'::regrole
            union all
            select 'relation ' || n.nspname || '.' || c.relname from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = any(%(s)s) and c.relowner <> 'hithonix_owner'::regrole
            union all
            select 'function ' || p.oid::regprocedure::text from pg_proc as p
            join pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = any(%(s)s) and p.proowner <> 'hithonix_owner'::regrole
            union all
            select 'type ' || t.oid::regtype::text from pg_type as t
            join pg_namespace as n on n.oid = t.typnamespace
            where n.nspname = any(%(s)s) and t.typowner <> 'hithonix_owner'::regrole
            """,
            {"s": list(SCHEMAS)},
        ).fetchall()
    ]


def live_messages_per_event(owner: psycopg.Connection) -> int:
    return owner.execute(
        "select coalesce(max(n), 0) from (select count(*) as n from pgmq.q_keka_sync"
        " group by (message ->> 'event_id')::bigint) as c"
    ).fetchone()[0]


def test_upgrade_to_the_owner_layout(old_db: str) -> None:  # noqa: F811
    api = emulator(old_db)
    with psycopg.connect(old_db, autocommit=True) as owner:
        hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
        kim = employee(owner, "kim@example.com")
        # what the previous release accepted: an admin event dated -infinity ...
        ok(
            api.rpc(
                "add_event",
                {"employee_id": str(kim), "event_type": "CLOCK_OUT", "occurred_at": "-infinity", "reason": "legacy"},
                claims=hr,
            )
        )
        # ... and a retry of a FAILED event whose message was still hidden on the queue
        event = ok(api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", kim)))["event"]["id"]
        owner.execute("select * from pgmq.read('keka_sync', 600, 10)")
        owner.execute("update app.attendance_events set sync_status = 'FAILED' where id = %s", [event])
        ok(api.rpc("retry_sync", {"event_ids": [event]}, claims=hr))
        assert live_messages_per_event(owner) == 2, "the previous release doubled the message"
        assert not_owned(owner), "the previous release's objects belong to the superuser"
        events_before = owner.execute("select count(*) from app.attendance_events").fetchone()[0]

    Migrator(old_db).migrate()

    with psycopg.connect(old_db, autocommit=True) as owner:
        assert not_owned(owner) == []
        attributes = owner.execute(
            "select rolsuper, rolcreaterole, rolbypassrls, rolcanlogin from pg_roles where rolname = 'hithonix_owner'"
        ).fetchone()
        assert attributes == (False, False, False, False)
        # the owner cannot switch the append-only guards off
        owner.execute("set role hithonix_owner")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            owner.execute("set session_replication_role = replica")
        owner.execute("reset role")
        # the legacy rows are kept: the bound holds for new rows only
        assert owner.execute("select count(*) from app.attendance_events").fetchone()[0] == events_before
        validated = owner.execute(
            "select convalidated from pg_constraint where conname = 'attendance_events_occurred_at_window'"
        ).fetchone()
        assert validated == (False,)
        assert live_messages_per_event(owner) == 1
        assert Migrator(old_db).migrate() == ([], False)

    # legacy rows stay readable by everyone's reads, and new rows are held to the bounds
    api = emulator(old_db)
    with psycopg.connect(old_db, autocommit=True) as owner:
        hr_id = owner.execute("select id from app.employees where email = 'hr@example.com'").fetchone()[0]
    hr = claims("hr_admin", hr_id)
    assert api.get("daily_status", claims=hr).status == 200
    assert api.rpc("anomaly_report", {}, claims=hr).status == 200
    refused = api.rpc(
        "add_event",
        {"employee_id": str(kim), "event_type": "CLOCK_OUT", "occurred_at": "-infinity", "reason": "again"},
        claims=hr,
    )
    assert (refused.status, refused.code) == (422, "BACKDATE_LIMIT_EXCEEDED")
    assert api.rpc("clock_out", {}, claims=claims("employee", kim)).status == 200
