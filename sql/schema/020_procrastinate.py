"""Create procrastinate's job tables in schema ``procrastinate`` (skipped if present)."""

import psycopg

from worker.bootstrap import install_procrastinate


def apply(conn: psycopg.Connection) -> None:
    install_procrastinate(conn)
