"""Install pgmq from the SQL bundled in the pinned ``pgmq`` package (skipped if present)."""

import psycopg

from worker.bootstrap import install_pgmq


def apply(conn: psycopg.Connection) -> None:
    install_pgmq(conn)
