"""The migration runner: once each, in order, checksummed, idempotent, with a
transaction opt-out; and the CLI commands a DBA uses."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests import dbtools
from worker.db.migrate import MIGRATIONS_DIR, MigrationError, Migrator, discover


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
