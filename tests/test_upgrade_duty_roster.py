"""Migration 0196 on a roster that already holds a site twice in different cases:
each site and date keeps its latest assignment, then the case-insensitive key holds."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests import dbtools
from worker.db.migrate import MIGRATIONS_DIR, Migrator

ROSTER_FILE = "0196_duty_roster_site_ci.sql"


@pytest.fixture
def before_0196(admin_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    name = f"roster_{uuid.uuid4().hex[:8]}"
    url = dbtools.create_database(admin_url, name)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for path in MIGRATIONS_DIR.iterdir():
        if path.name < ROSTER_FILE:
            shutil.copy(path, migrations)
    Migrator(url, migrations).migrate()
    yield url, migrations
    dbtools.drop_database(admin_url, name)


def test_0196_keeps_each_site_days_latest_assignment(before_0196: tuple[str, Path]) -> None:
    url, migrations = before_0196
    first, second, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into app.duty_roster (site, duty_date, duty_employee_id, assigned_by, assigned_at) values"
            " ('north', '2026-11-20', %s, 'a', '2026-11-19 09:00Z'),"
            " ('North', '2026-11-20', %s, 'b', '2026-11-19 10:00Z'),"
            " ('north', '2026-11-21', %s, 'c', '2026-11-19 09:00Z')",
            [first, second, other],
        )
    shutil.copy(MIGRATIONS_DIR / ROSTER_FILE, migrations)
    assert Migrator(url, migrations).migrate()[0] == [ROSTER_FILE]
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "select site, duty_date::text, duty_employee_id from app.duty_roster order by duty_date"
        ).fetchall()
        assert rows == [("North", "2026-11-20", second), ("north", "2026-11-21", other)]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "insert into app.duty_roster (site, duty_date, duty_employee_id, assigned_by)"
                " values ('NORTH', '2026-11-21', %s, 'd')",
                [first],
            )
