"""`create-indexes --concurrently`: the two large-table indexes the handover names,
built without locking writes on a live ledger.

An index left INVALID by an interrupted concurrent build is dropped
(concurrently) and built again. The definitions equal those in
sql/schema/200_attendance_events.sql (tests/test_cli.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

INDEXES = {
    "attendance_events_employee_day_idx": ("on app.attendance_events (employee_id, business_date_ist, occurred_at)"),
    "attendance_events_unsynced_idx": (
        "on app.attendance_events (sync_status, business_date_ist)"
        " where sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE')"
    ),
}


def create_indexes(url: str, concurrently: bool, say: Callable[[str], None]) -> None:
    how = "concurrently " if concurrently else ""
    with psycopg.connect(url, autocommit=True) as conn:
        for name, definition in INDEXES.items():
            row = conn.execute(
                "select i.indisvalid from pg_index as i where i.indexrelid = to_regclass(%s)", [f"app.{name}"]
            ).fetchone()
            if row and row[0]:
                say(f"{name}: present and valid")
                continue
            if row:
                say(f"{name}: INVALID (an interrupted build): dropping it")
                conn.execute(f"drop index {how}app.{name}")
            say(f"{name}: creating {how.strip() or 'in a transaction'}")
            conn.execute(f"create index {how}if not exists {name} {definition}")
            say(f"{name}: done")
