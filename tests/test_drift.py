"""Drift: a database built by applying every migration must equal one built
from sql/schema + the repeatable files (normalized ``pg_dump --schema-only``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import dbtools
from worker.db.migrate import SCHEMA_DIR, Migrator, build_declared_schema

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def schema_dump(url: str) -> list[str]:
    out = subprocess.run(
        [PG_DUMP, "--schema-only", "--no-comments", "--exclude-schema=migrations", "-d", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = []
    for line in out.splitlines():
        if (
            not line.strip()
            or line.startswith("--")
            or re.match(r"^(SET |SELECT pg_catalog\.set_config|\\(un)?restrict )", line)
        ):
            continue
        lines.append(line)
    return lines


@pytest.fixture
def migrated_db(admin_url: str):
    url = dbtools.create_database(admin_url, "drift_migrated")
    Migrator(url).migrate()
    yield url
    dbtools.drop_database(admin_url, "drift_migrated")


@pytest.fixture
def declared_db(admin_url: str):
    def build(schema_dir: Path = SCHEMA_DIR) -> str:
        url = dbtools.create_database(admin_url, "drift_declared")
        build_declared_schema(url, schema_dir)
        return url

    yield build
    dbtools.drop_database(admin_url, "drift_declared")


def test_migrations_equal_declared_schema(migrated_db: str, declared_db) -> None:
    migrated, declared = schema_dump(migrated_db), schema_dump(declared_db())
    assert len(migrated) > 500, "the dump should hold the whole schema"
    assert migrated == declared


def test_drift_is_detected(migrated_db: str, declared_db, tmp_path: Path) -> None:
    """Changing a table in sql/schema without a migration makes the dumps differ."""
    changed = tmp_path / "schema"
    shutil.copytree(SCHEMA_DIR, changed)
    target = changed / "300_audit_logs.sql"
    target.write_text(target.read_text().replace("request_id text,", "request_id text,\n    ip inet,"))
    assert schema_dump(migrated_db) != schema_dump(declared_db(changed))
