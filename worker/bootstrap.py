"""Installs the third-party SQL the product builds on: pgmq and procrastinate.

Both ship their schema as SQL inside their Python packages. The versioned
migrations call these functions, and so does the declared-schema build used
by the drift test, so the two paths install exactly the same thing.
"""

from __future__ import annotations

import psycopg
from pgmq.install import get_embedded_install_sql
from procrastinate.schema import SchemaManager

PROCRASTINATE_SCHEMA = "procrastinate"


def install_pgmq(conn: psycopg.Connection) -> bool:
    """Install pgmq's bundled SQL unless the ``pgmq`` schema exists. Returns True if installed."""
    if conn.execute("select 1 from pg_namespace where nspname = 'pgmq'").fetchone():
        return False
    conn.execute(get_embedded_install_sql())
    return True


def install_procrastinate(conn: psycopg.Connection) -> bool:
    """Create procrastinate's tables in their own schema unless present."""
    found = conn.execute("select 1 from pg_namespace where nspname = %s", [PROCRASTINATE_SCHEMA]).fetchone()
    if found:
        return False
    conn.execute(f"create schema {PROCRASTINATE_SCHEMA}")
    # procrastinate's schema.sql creates into the first schema on search_path.
    conn.execute(f"set local search_path = {PROCRASTINATE_SCHEMA}, pg_catalog")
    conn.execute(SchemaManager.get_schema())
    conn.execute("set local search_path to default")
    return True
