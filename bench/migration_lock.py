"""How long migration 0045 (employee_id into the ledger's keys) holds its lock.

``python -m bench.migration_lock [--employees 1000] [--events-per-employee 1000]``
builds a database with every migration but 0045, fills the ledger (1% of the
events VOIDs, so the rebuilt foreign key has rows to check), then runs 0045's
SQL in one transaction and prints how long it took: the time punches wait on
its ACCESS EXCLUSIVE lock (docs/scale-out.md §2).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.console import Console

from bench.database import server
from worker.db.migrate import MIGRATIONS_DIR, Migrator
from worker.db.urls import derive_url

DATABASE = "hithonix_bench_migration_lock"

KEYS_MIGRATION = MIGRATIONS_DIR / "0045_employee_keys.sql"

FILL = """
insert into app.employees (email, full_name)
select 'lock-' || g || '@example.com', 'lock ' || g from generate_series(1, %(employees)s) as g;
set session_replication_role = replica;
insert into app.attendance_events
    (employee_id, event_type, occurred_at, business_date_ist, source, created_by, sync_status)
select e.id, 'CLOCK_IN', now() - make_interval(mins => g), current_date, 'admin', 'bench', 'SKIPPED'
from app.employees as e, generate_series(1, %(events)s) as g;
insert into app.attendance_events
    (employee_id, event_type, occurred_at, business_date_ist, source, created_by, corrects_event_id, sync_status)
select ev.employee_id, 'VOID', ev.occurred_at, ev.business_date_ist, 'admin', 'bench', ev.id, 'SKIPPED'
from app.attendance_events as ev where ev.id % 100 = 0;
reset session_replication_role;
"""


@click.command(name="migration_lock", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--employees", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--events-per-employee", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(**given: Any) -> None:
    """Time migration 0045 on a filled ledger."""
    console = Console(width=None if sys.stdout.isatty() else 160)
    before = Path(tempfile.mkdtemp(prefix="hithonix-migrations-"))
    try:
        for path in MIGRATIONS_DIR.glob("[0-9]*_*.*"):
            if path != KEYS_MIGRATION:
                shutil.copy(path, before)
        with server(given["database_url"]) as srv, psycopg.connect(srv.admin_url, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{DATABASE}" with (force)')
            admin.execute(f'create database "{DATABASE}"')
            url = derive_url(srv.admin_url, dbname=DATABASE)
            try:
                Migrator(url, before).migrate()
                with psycopg.connect(url, autocommit=True) as conn:
                    params = {"employees": given["employees"], "events": given["events_per_employee"]}
                    for statement in FILL.split(";\n"):
                        if statement.strip():
                            conn.execute(statement, params if "%(" in statement else None)
                    conn.execute("vacuum analyze app.attendance_events")
                    rows = conn.execute("select count(*) from app.attendance_events").fetchone()
                    started = time.perf_counter()
                    with conn.transaction():
                        conn.execute(KEYS_MIGRATION.read_text())
                    seconds = time.perf_counter() - started
            finally:
                admin.execute(f'drop database if exists "{DATABASE}" with (force)')
    finally:
        shutil.rmtree(before, ignore_errors=True)
    assert rows
    console.print(
        f"0045 on {rows[0]:,} ledger rows: {seconds:.2f} s in one transaction "
        f"({seconds / rows[0] * 1e6:.2f} s per million rows) under ACCESS EXCLUSIVE"
    )


if __name__ == "__main__":
    main(prog_name="python -m bench.migration_lock")
