"""Upgrading a previous release's database to the Slack release (migration 0100): the
punch functions keep one signature each (the second opinion added, no overload left
behind), and days locked before the upgrade count as announced, so re-deriving one
sends nothing while a new lock is announced."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests import dbtools
from tests.factories import PLAN, allow_backdating, claims, employee
from tests.upgrade import PREVIOUS_RELEASE, build_at_revision, revision_available
from worker.db.migrate import Migrator
from worker.db.urls import derive_url
from worker.devtools.pgrest import PostgrestEmulator

pytestmark = pytest.mark.skipif(
    not revision_available(),
    reason=f"this checkout does not have the previous release {PREVIOUS_RELEASE} (shallow clone or tarball)",
)


@pytest.fixture
def old_db(admin_url: str) -> Iterator[str]:
    name = f"upgrade_slack_{uuid.uuid4().hex[:8]}"
    url = dbtools.create_database(admin_url, name)
    build_at_revision(url)
    yield url
    dbtools.drop_database(admin_url, name)


def lock(api: PostgrestEmulator, person: uuid.UUID, day: str) -> None:
    who = claims("employee", person)
    assert api.rpc("clock_in", {"plan": PLAN, "occurred_at": f"{day}T10:00:00+05:30"}, claims=who).status == 200
    out = api.rpc("clock_out", {"occurred_at": f"{day}T12:00:00+05:30"}, claims=who)
    assert out.status == 200 and out.body["daily_status"]["is_locked"]


def test_upgrade_to_the_slack_release(old_db: str) -> None:
    api = PostgrestEmulator(derive_url(old_db, user="authenticator"))
    with psycopg.connect(old_db, autocommit=True) as owner:
        allow_backdating(owner)
        manager = employee(owner, "mo@example.com", role="approver")
        raj = employee(owner, "raj@example.com", manager=manager)
        lock(api, raj, "2026-11-19")

    Migrator(old_db).migrate()

    with psycopg.connect(old_db, autocommit=True) as owner:
        signatures = owner.execute(
            "select p.oid::regprocedure::text from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace"
            " where n.nspname = 'app' and p.proname in ('punch', 'record_punch') order by 1"
        ).fetchall()
        assert signatures == [
            ("app.punch(app.event_type,timestamp with time zone,text,text,text,text,jsonb)",),
            ("app.record_punch(uuid,app.event_type,timestamp with time zone,text,text,text,text,boolean,jsonb)",),
        ]
        assert owner.execute("select count(*) from app.day_lock_notices").fetchone() == (1,), "the old lock"
        owner.execute("select app.refresh_daily_status(array[%s]::uuid[], array['2026-11-19'::date])", [raj])
        assert owner.execute("select count(*) from pgmq.q_notifications").fetchone() == (0,), "not announced again"
        lock(api, raj, "2026-11-20")
        kinds = owner.execute("select message ->> 'kind', count(*) from pgmq.q_notifications group by 1").fetchall()
        assert kinds == [("DAY_LOCKED", 2)], "a new lock: the employee and the approver"
