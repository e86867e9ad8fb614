"""Throwaway clusters and databases for the test suite.

A session starts one cluster (testing.postgresql, run as the postgres OS user
when we are root) unless ``HITHONIX_TEST_ADMIN_URL`` names a server to use;
each test database is created from a migrated template, so every test starts
from a fresh, fully migrated schema in ~100 ms.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import testing.postgresql

from worker.db.migrate import Migrator
from worker.db.urls import derive_url

BIN = Path(__file__).resolve().parent / "bin"
TEMPLATE = "hithonix_template"
PGTAP_HELPERS = Path(__file__).resolve().parent.parent / "sql" / "tests" / "helpers"


@contextmanager
def cluster() -> Iterator[str]:
    """Yield an admin URL: HITHONIX_TEST_ADMIN_URL, or a new throwaway cluster."""
    given = os.environ.get("HITHONIX_TEST_ADMIN_URL")
    if given:
        yield given
        return
    server = testing.postgresql.Postgresql(
        initdb=str(BIN / "initdb"),
        postgres=str(BIN / "postgres"),
        postgres_args=(
            "-h 127.0.0.1 -F -c logging_collector=off -c max_connections=200 -c max_locks_per_transaction=256"
        ),
    )
    try:
        yield server.url()
    finally:
        server.stop()


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        if template:
            conn.execute(f'create database "{name}" template "{template}"')
        else:
            conn.execute(f'create database "{name}"')
    return derive_url(admin_url, dbname=name)


def install_pgtap(url: str) -> None:
    """pgTAP and our test helpers (schema ``tests``); test databases only."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create extension if not exists pgtap")
        # pgTAP's functions must be callable by the roles the tests switch to.
        conn.execute("grant execute on all functions in schema public to public")
        for path in sorted(PGTAP_HELPERS.glob("*.sql")):
            conn.execute(path.read_text())


def migrated_template(admin_url: str) -> str:
    url = create_database(admin_url, TEMPLATE)
    Migrator(url).migrate()
    install_pgtap(url)
    return url


def fresh_database(admin_url: str) -> str:
    return create_database(admin_url, f"t_{uuid.uuid4().hex[:12]}", template=TEMPLATE)
