"""Where the benchmark runs: a throwaway cluster, or databases on a given server.

By default a new cluster under a temporary directory in /tmp on a free port
(worker.db.cluster runs it as the postgres OS user when we are root), removed
at the end. With ``--database-url`` the benchmark creates (and afterwards
drops) its own databases on that server instead. Either way every database is
migrated with the project's own runner, so it is the product as it is.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from worker.config import ClusterSettings
from worker.db.cluster import Cluster
from worker.db.migrate import Migrator
from worker.db.urls import database_name, derive_url

MAIN_DATABASE = "hithonix_bench"
FLOOR_DATABASE = "hithonix_bench_floor"  # the punch floor: its tables' triggers disabled
GROWTH_DATABASE = "hithonix_bench_growth"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class BenchDatabase:
    """One migrated database: the owner's URL and the client roles' URLs."""

    owner_url: str

    @property
    def name(self) -> str:
        return database_name(self.owner_url)

    @property
    def authenticator_url(self) -> str:
        return derive_url(self.owner_url, user="authenticator")

    @property
    def worker_url(self) -> str:
        return derive_url(self.owner_url, user="hithonix_worker")

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.owner_url, autocommit=autocommit)


class Server:
    """Creates, migrates and drops the benchmark's databases on one server."""

    def __init__(self, admin_url: str, description: str) -> None:
        self.admin_url = admin_url
        self.description = description
        self._created: list[str] = []

    def create(self, name: str) -> BenchDatabase:
        db = self.create_empty(name)
        Migrator(db.owner_url).migrate()
        return db

    def create_empty(self, name: str) -> BenchDatabase:
        """A new, empty database (dropped with the others), for a caller that migrates it its own way."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            conn.execute(f'create database "{name}"')
        self._created.append(name)
        return BenchDatabase(derive_url(self.admin_url, dbname=name))

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self._created:
                conn.execute(f'drop database if exists "{name}" with (force)')
        self._created.clear()

    def facts(self) -> dict[str, str]:
        """Server version and the settings that move the figures."""
        names = [
            "server_version",
            "shared_buffers",
            "work_mem",
            "synchronous_commit",
            "fsync",
            "max_connections",
            "max_locks_per_transaction",
            "jit",
        ]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "select name, setting || coalesce(unit, '') from pg_settings where name = any(%s)", [names]
            )
            found = dict(rows.fetchall())
            found["version"] = conn.execute("select version()").fetchone()[0]  # type: ignore[index]
        return found


@contextlib.contextmanager
def server(database_url: str | None) -> Iterator[Server]:
    """The given server, or a throwaway cluster that is stopped and removed afterwards."""
    if database_url:
        given = Server(database_url, "existing server (--database-url)")
        try:
            yield given
        finally:
            given.drop_all()
        return
    base = Path(tempfile.mkdtemp(prefix="hithonix-bench-", dir="/tmp"))
    settings = ClusterSettings(base_dir=base, port=free_port(), socket_dir=None, database="postgres")
    cluster = Cluster(settings)
    try:
        cluster.start()
        yield Server(settings.url("postgres"), f"throwaway cluster in {base} (port {settings.port})")
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
