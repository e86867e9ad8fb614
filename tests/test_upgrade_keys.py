"""Upgrade in place (issue 17): a database built and filled by the previous
release gets employee_id into its keys from today's migrations, keeps every
row and message, and ends with a fresh build's constraints and indexes; the same
holds when an operator took the concurrent path first
(scripts/employee_keys_concurrently.sql, docs/scale-out.md)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests import dbtools
from tests.factories import allow_backdating, employee
from tests.upgrade import PREVIOUS_RELEASE, build_at_revision, revision_available
from worker.config import ROOT
from worker.db.migrate import Migrator, split_statements

pytestmark = pytest.mark.skipif(
    not revision_available(), reason=f"commit {PREVIOUS_RELEASE} is not in this checkout (shallow clone?)"
)

SNAPSHOT = {
    "attendance_events": "select jsonb_agg(to_jsonb(t) order by t.id) from app.attendance_events as t",
    "daily_status": (
        "select jsonb_agg(to_jsonb(t) order by t.employee_id, t.business_date_ist) from app.daily_status as t"
    ),
    "day_unlocks": "select jsonb_agg(to_jsonb(t) order by t.id) from app.day_unlocks as t",
}
CONCURRENT_PATH = ROOT / "scripts" / "employee_keys_concurrently.sql"
DIFFERENCES = "select count(*) from app.daily_status_differences('2026-11-01', '2026-11-30')"
KEY_COLUMNS = """
    select array_agg(a.attname::text order by k.ord)
    from pg_constraint as c
    cross join unnest(c.conkey) with ordinality as k (attnum, ord)
    inner join pg_attribute as a on a.attrelid = c.conrelid and a.attnum = k.attnum
    where c.conrelid = %s::regclass and c.contype = %s and (%s::text is null or c.conname = %s)
"""


def keys_and_indexes(url: str) -> list[tuple[str, str, str]]:
    """Every constraint and index of schema app, as PostgreSQL prints them."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            select c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
            from pg_constraint as c join pg_namespace as n on n.oid = c.connamespace
            where n.nspname = 'app' and c.conrelid <> 0
            union all
            select i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            from pg_index as i join pg_class as t on t.oid = i.indrelid join pg_namespace as n on n.oid = t.relnamespace
            where n.nspname = 'app'
            order by 1, 2
            """
        ).fetchall()


def snapshot(conn: psycopg.Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of the per-employee tables, as JSON objects in key order."""
    taken = {}
    for name, sql in SNAPSHOT.items():
        row = conn.execute(sql).fetchone()
        assert row and row[0], f"{name} should hold rows"
        taken[name] = row[0]
    return taken


@pytest.fixture
def previous_release_db(admin_url: str) -> Iterator[str]:
    url = dbtools.create_database(admin_url, "upgrade_keys")
    build_at_revision(url)
    yield url
    dbtools.drop_database(admin_url, "upgrade_keys")


@pytest.fixture
def fresh_db(admin_url: str) -> Iterator[str]:
    url = dbtools.create_database(admin_url, "upgrade_keys_fresh")
    Migrator(url).migrate()
    yield url
    dbtools.drop_database(admin_url, "upgrade_keys_fresh")


def seed_previous_release(conn: psycopg.Connection) -> dict[str, object]:
    """Two employees' punches, a VOID, an unlock, waiting and dead-lettered messages."""
    allow_backdating(conn)
    kay, lou = employee(conn, "kay@example.com"), employee(conn, "lou@example.com")
    ids = {}
    for name, who, kind, at in [
        ("kay_in", kay, "CLOCK_IN", "2026-11-20 09:00+05:30"),
        ("kay_break", kay, "BREAK_START", "2026-11-20 11:00+05:30"),
        ("kay_out", kay, "CLOCK_OUT", "2026-11-20 18:00+05:30"),
        ("lou_in", lou, "CLOCK_IN", "2026-11-20 10:00+05:30"),
    ]:
        row = conn.execute(
            "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
            " values (%s, %s, %s, 'admin', 'upgrade-test') returning id",
            [who, kind, at],
        ).fetchone()
        assert row
        ids[name] = row[0]
    conn.execute(
        "insert into app.attendance_events"
        " (employee_id, event_type, occurred_at, source, created_by, corrects_event_id)"
        " values (%s, 'VOID', '2026-11-20 12:00+05:30', 'admin', 'upgrade-test', %s)",
        [kay, ids["kay_break"]],
    )
    conn.execute(
        "insert into app.day_unlocks (employee_id, business_date_ist, through_event_id, lock_reason, reason,"
        " unlocked_by) values (%s, '2026-11-20', %s, 'BREAK_OVERLIMIT', 'approved by manager', 'upgrade-test')",
        [kay, ids["kay_out"]],
    )
    conn.execute("select app.refresh_daily_status(array[%s]::uuid[], array['2026-11-20']::date[])", [kay])
    # one message moved to the dead-letter queue as dead_letter_v1 does it
    conn.execute("select pgmq.send('keka_sync_dlq', %s)", [Jsonb({"event_id": ids["lou_in"], "read_ct": 6})])
    return {"kay": kay, "lou": lou, **ids}


@pytest.mark.parametrize("path", ["migration", "concurrently"])
def test_previous_release_upgrades_in_place(path: str, previous_release_db: str, fresh_db: str) -> None:
    with psycopg.connect(previous_release_db, autocommit=True) as conn:
        seeded = seed_previous_release(conn)
        before = snapshot(conn)
        old_messages = conn.execute(
            "select count(*) from pgmq.q_keka_sync where not message ? 'employee_id'"
        ).fetchone()
        assert old_messages == (3,), "the previous release's messages carry no employee_id"
        assert conn.execute(KEY_COLUMNS, ["app.attendance_events", "p", None, None]).fetchone() == (["id"],)
        assert conn.execute(DIFFERENCES).fetchone() == (0,)

    if path == "concurrently":
        # statement by statement, as psql runs it: CREATE INDEX CONCURRENTLY outside any transaction
        with psycopg.connect(previous_release_db, autocommit=True) as conn:
            for statement in split_statements(CONCURRENT_PATH.read_text()):
                conn.execute(statement)
            assert conn.execute(KEY_COLUMNS, ["app.attendance_events", "p", None, None]).fetchone() == (
                ["id", "employee_id"],
            )
    applied, _ = Migrator(previous_release_db).migrate()
    assert "0045_employee_keys.sql" in applied

    with psycopg.connect(previous_release_db, autocommit=True) as conn:
        # the keys
        assert conn.execute(KEY_COLUMNS, ["app.attendance_events", "p", None, None]).fetchone() == (
            ["id", "employee_id"],
        )
        assert conn.execute(KEY_COLUMNS, ["app.day_unlocks", "p", None, None]).fetchone() == (["id", "employee_id"],)
        fkey = "attendance_events_corrects_event_id_fkey"
        assert conn.execute(KEY_COLUMNS, ["app.attendance_events", "f", fkey, fkey]).fetchone() == (
            ["employee_id", "corrects_event_id"],
        )
        # nothing lost or changed
        # (columns that later migrations add are not compared: only what was there)
        after = snapshot(conn)
        assert {
            name: [{column: row[column] for column in old} for row, old in zip(after[name], rows, strict=True)]
            for name, rows in before.items()
        } == before
        assert conn.execute(DIFFERENCES).fetchone() == (0,)
        # every waiting and dead-lettered message names its event's employee
        for queue in ("q_keka_sync", "q_keka_sync_dlq"):
            rows = conn.execute(
                f"select (m.message ->> 'employee_id')::uuid = ev.employee_id from pgmq.{queue} as m"
                " join app.attendance_events as ev on ev.id = (m.message ->> 'event_id')::bigint"
            ).fetchall()
            assert rows and all(ok for (ok,) in rows), queue
        # the ledger keeps working: new events get new ids and messages with employee_id
        row = conn.execute(
            "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
            " values (%s, 'CLOCK_OUT', '2026-11-20 19:00+05:30', 'admin', 'upgrade-test') returning id",
            [seeded["lou"]],
        ).fetchone()
        assert row and row[0] > max(int(v) for k, v in seeded.items() if k not in ("kay", "lou"))
        assert conn.execute(
            "select message ->> 'employee_id' from pgmq.q_keka_sync where (message ->> 'event_id')::bigint = %s",
            [row[0]],
        ).fetchone() == (str(seeded["lou"]),)

    # the upgraded keys, constraints and indexes are exactly a fresh build's, and pass the key rule
    assert keys_and_indexes(previous_release_db) == keys_and_indexes(fresh_db)
    dbtools.install_pgtap(previous_release_db)
    with psycopg.connect(previous_release_db) as conn:
        assert conn.execute("select * from tests.distribution_key_violations()").fetchall() == []
