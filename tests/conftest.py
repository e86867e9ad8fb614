"""Shared fixtures: one cluster per session, one fresh migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests import dbtools
from tests.processes import Spawned
from worker.db.urls import database_name, derive_url
from worker.devtools.pgrest import PostgrestEmulator


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    with dbtools.cluster() as url:
        dbtools.migrated_template(url)
        yield url


@pytest.fixture
def db_url(admin_url: str) -> Iterator[str]:
    url = dbtools.fresh_database(admin_url)
    yield url
    dbtools.drop_database(admin_url, database_name(url))


@pytest.fixture
def owner(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection as the owner (superuser), autocommit: for seeding data."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def api(db_url: str) -> PostgrestEmulator:
    return PostgrestEmulator(derive_url(db_url, user="authenticator"))


@pytest.fixture
def spawn() -> Iterator[Spawned]:
    """Start ``python -m worker <command>`` processes; every one still running is stopped after the test."""
    spawned = Spawned()
    yield spawned
    spawned.stop_all()
