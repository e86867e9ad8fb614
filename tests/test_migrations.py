"""The migration runner: once each, in order, checksummed, idempotent, with a
transaction opt-out; and the CLI commands a DBA uses."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests import dbtools
from worker.db.migrate import MIGRATIONS_DIR, MigrationError, Migrator, batches, discover, repeatables_join_last


@pytest.fixture
def empty_db(admin_url: str):
    name = "mig_" + Path(__file__).stem[-8:]
    url = dbtools.create_database(admin_url, name)
    yield url
    dbtools.drop_database(admin_url, name)


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target)
    return target


def test_second_run_applies_nothing(empty_db: str) -> None:
    first, refreshed = Migrator(empty_db).migrate()
    assert first == [m.path.name for m in discover()]
    assert refreshed
    assert Migrator(empty_db).migrate() == ([], False)
    states = {r.state for r in Migrator(empty_db).status()}
    assert states == {"applied"}


def test_edited_applied_migration_is_refused(empty_db: str, migrations_copy: Path) -> None:
    Migrator(empty_db, migrations_copy).migrate()
    target = migrations_copy / "0005_default_settings.sql"
    target.write_text(target.read_text() + "\n-- a harmless-looking edit\n")
    with pytest.raises(MigrationError, match=r"0005_default_settings\.sql was edited after it was applied"):
        Migrator(empty_db, migrations_copy).migrate()
    states = {r.version: r.state for r in Migrator(empty_db, migrations_copy).status()}
    assert states["0005"] == "edited" and states["0004"] == "applied"


def test_no_transaction_migration_can_create_index_concurrently(empty_db: str, migrations_copy: Path) -> None:
    Migrator(empty_db, migrations_copy).migrate()
    (migrations_copy / "9001_concurrent_index.sql").write_text(
        "-- hithonix:no-transaction\n"
        "create index concurrently if not exists test_events_created_by_idx\n"
        "on app.attendance_events (created_by);\n"
    )
    applied, _ = Migrator(empty_db, migrations_copy).migrate()
    assert applied == ["9001_concurrent_index.sql"]
    with psycopg.connect(empty_db) as conn:
        valid = conn.execute(
            "select indisvalid from pg_index where indexrelid = 'app.test_events_created_by_idx'::regclass"
        ).fetchone()
    assert valid == (True,)


def test_failed_migration_leaves_nothing_half_done(empty_db: str, migrations_copy: Path) -> None:
    Migrator(empty_db, migrations_copy).migrate()
    (migrations_copy / "9002_broken.sql").write_text("create table app.half_done (id int);\nselect 1 / 0;\n")
    with pytest.raises(MigrationError, match=r"9002_broken\.sql failed"):
        Migrator(empty_db, migrations_copy).migrate()
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select to_regclass('app.half_done')").fetchone() == (None,)
        assert conn.execute("select count(*) from migrations.applied where version = '9002'").fetchone() == (0,)


def test_migrate_twice_through_the_cli(empty_db: str) -> None:
    env = {"DATABASE_URL": empty_db, "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "worker"]
    first = subprocess.run([*run, "migrate"], env=env, capture_output=True, text=True, check=True)
    assert "applied 0001_roles_and_schemas.sql" in first.stdout
    second = subprocess.run([*run, "migrate"], env=env, capture_output=True, text=True, check=True)
    assert "Nothing to do" in second.stdout
    status = subprocess.run([*run, "migrate-status"], env=env, capture_output=True, text=True, check=True)
    assert "0004" in status.stdout and "pending" not in status.stdout


# a stored day naming no employee: refused by the guard that replaced daily_status's foreign key
ORPHAN_DAY = (
    "insert into app.daily_status (employee_id, business_date_ist, current_status, worked_minutes,"
    " break_minutes_used, lunch_minutes, event_count, anomalies, is_locked, has_sync_errors)"
    " values (gen_random_uuid(), current_date, 'OFF_DUTY', 0, 0, 0, 0, '{}', false, false)"
)


def test_failed_run_leaves_no_migration_without_its_repeatable_sql(empty_db: str, migrations_copy: Path) -> None:
    """A run's migrations commit with the repeatable SQL, so a guard a migration drops and the
    repeatables put back (0165 dropped the ledger's foreign key for the statement triggers of
    sql/triggers/105_ledger_employee_ref.sql) is never missing, even when the run fails later.
    Here 9003 drops the stored days' employee guard as 0166 dropped the foreign key and 9004 fails:
    had 9003 committed alone, daily_status would take a day naming no employee."""
    Migrator(empty_db, migrations_copy).migrate()
    (migrations_copy / "9003_drop_guard.sql").write_text("drop trigger _020_employee_exists on app.daily_status;\n")
    (migrations_copy / "9004_broken.sql").write_text("select 1 / 0;\n")
    with pytest.raises(MigrationError, match=r"9004_broken\.sql failed"):
        Migrator(empty_db, migrations_copy).migrate()
    with psycopg.connect(empty_db) as conn:
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(ORPHAN_DAY)
        conn.rollback()
        assert conn.execute("select count(*) from migrations.applied where version >= '9003'").fetchone() == (0,)


WAITING = "select exists (select 1 from pg_locks where locktype = 'advisory' and objid = %s and not granted)"


def test_migrations_commit_with_the_repeatable_sql(empty_db: str, migrations_copy: Path) -> None:
    """While a run is under way no other session sees a migration's change before the
    repeatable SQL that goes with it: a writer finds daily_status locked for the whole run
    (9003 drops its employee guard, 9005 waits for the test's advisory lock), never unguarded."""
    Migrator(empty_db, migrations_copy).migrate()
    (migrations_copy / "9003_drop_guard.sql").write_text("drop trigger _020_employee_exists on app.daily_status;\n")
    (migrations_copy / "9005_wait.sql").write_text("select pg_advisory_xact_lock(9005);\n")
    with psycopg.connect(empty_db, autocommit=True) as holder, psycopg.connect(empty_db, autocommit=True) as writer:
        holder.execute("select pg_advisory_lock(9005)")
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(Migrator(empty_db, migrations_copy).migrate)
            while not run.done() and not holder.execute(WAITING, [9005]).fetchone()[0]:
                time.sleep(0.05)
            try:
                writer.execute("set lock_timeout = '200ms'")
                with pytest.raises((psycopg.errors.LockNotAvailable, psycopg.errors.ForeignKeyViolation)):
                    writer.execute(ORPHAN_DAY)
            finally:
                holder.execute("select pg_advisory_unlock(9005)")
            applied, _ = run.result(timeout=300)
    assert applied == ["9003_drop_guard.sql", "9005_wait.sql"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute(
            "select count(*) from pg_trigger where tgname = '_020_employee_exists'"
            " and tgrelid = 'app.daily_status'::regclass"
        ).fetchone() == (1,)


def test_an_enum_value_commits_before_the_repeatable_sql(migrations_copy: Path) -> None:
    """A batch that adds an enum value commits before anything may use it, the repeatable SQL
    included (PostgreSQL refuses a new enum value in the transaction that added it); a plain
    last batch carries the repeatables, and a no-transaction file runs alone."""
    (migrations_copy / "9006_plain.sql").write_text("select 1;\n")
    (migrations_copy / "9007_new_value.sql").write_text("alter type app.event_type add value 'TEST_VALUE';\n")
    (migrations_copy / "9008_concurrent.sql").write_text("-- hithonix:no-transaction\nselect 1;\n")
    found = {m.version: m for m in discover(migrations_copy)}
    plain, new_value, concurrent = found["9006"], found["9007"], found["9008"]
    assert batches([plain, new_value, plain]) == [[plain, new_value], [plain]]
    assert batches([plain, concurrent, plain]) == [[plain], [concurrent], [plain]]
    assert repeatables_join_last(batches([plain, new_value, plain]))
    assert not repeatables_join_last(batches([plain, new_value]))
    assert not repeatables_join_last(batches([plain, concurrent]))
    assert not repeatables_join_last([])


def test_a_migration_uses_the_enum_value_an_earlier_one_added(empty_db: str, migrations_copy: Path) -> None:
    """A real run: 9008 uses the value 9007 adds, which PostgreSQL allows only after 9007's
    batch has committed; both are recorded and the value is there."""
    Migrator(empty_db, migrations_copy).migrate()
    (migrations_copy / "9007_new_value.sql").write_text("alter type app.event_type add value 'TEST_VALUE';\n")
    (migrations_copy / "9008_use_value.sql").write_text(
        "create table app.test_value_use (t app.event_type not null default 'TEST_VALUE');\n"
    )
    applied, _ = Migrator(empty_db, migrations_copy).migrate()
    assert applied == ["9007_new_value.sql", "9008_use_value.sql"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select 'TEST_VALUE'::app.event_type::text").fetchone() == ("TEST_VALUE",)
