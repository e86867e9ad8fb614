"""The embedded development cluster under ``.pgdata/``.

PostgreSQL refuses to run as root, and our machines (and CI) run as root, so
every server-side binary is started as the unprivileged ``postgres`` OS user
with ``setpriv`` and the directories it writes are handed to that user. When
we are not root, the binaries run as ourselves.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psycopg

from worker.config import ClusterSettings

PG_USER = "postgres"


def as_server_user(cmd: Sequence[str]) -> list[str]:
    """Wrap a server command so it runs as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return list(cmd)
    return ["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups", *cmd]


def give_to_server_user(path: Path) -> None:
    """Make ``path`` (and its contents) belong to the server user when we are root."""
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(PG_USER)
    for p in [path, *path.rglob("*")]:
        os.lchown(p, pw.pw_uid, pw.pw_gid)


class ClusterError(RuntimeError):
    """A server command failed; the message carries what it printed."""


class Cluster:
    """Start, stop and inspect one local cluster."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.settings = settings or ClusterSettings()

    def _bin(self, name: str) -> str:
        return str(self.settings.pg_bin / name)

    def _run(self, cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(as_server_user(cmd), text=True, capture_output=True)
        if done.returncode != 0:
            raise ClusterError(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()}")
        return done

    @property
    def initialized(self) -> bool:
        return (self.settings.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialized:
            return False
        status = subprocess.run(
            as_server_user([self._bin("pg_ctl"), "-D", str(self.settings.data_dir), "status"]),
            capture_output=True,
            text=True,
        )
        return status.returncode == 0

    def init(self) -> None:
        self.settings.base_dir.mkdir(parents=True, exist_ok=True)
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        give_to_server_user(self.settings.base_dir)
        give_to_server_user(self.settings.run_dir)
        self._run(
            [
                self._bin("initdb"),
                "-D",
                str(self.settings.data_dir),
                "-U",
                PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def start(self) -> None:
        if not self.initialized:
            self.init()
        if self.running():
            return
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        give_to_server_user(self.settings.run_dir)
        # bulk imports lock each employee once per transaction: room for ~50k of them
        options = (
            f"-p {self.settings.port} -h {self.settings.host} -k {self.settings.run_dir} "
            "-c timezone=UTC -c max_connections=200 -c max_locks_per_transaction=256"
        )
        self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.settings.data_dir),
                "-l",
                str(self.settings.log_file),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
        self.ensure_database()

    def stop(self) -> None:
        if self.running():
            self._run([self._bin("pg_ctl"), "-D", str(self.settings.data_dir), "-m", "fast", "-w", "stop"])

    def ensure_database(self) -> None:
        with psycopg.connect(self.settings.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", [self.settings.database]).fetchone()
            if not exists:
                conn.execute(f'create database "{self.settings.database}"')
