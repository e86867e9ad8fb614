"""`status`: migrations, queues, sync health and the last employee import, in one look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from worker.db.migrate import Migrator

SYNC = "select * from app.sync_overview()"
IMPORT = (
    "select id, status, started_at, finished_at, pages, created_count, updated_count,"
    " deactivated_count, unchanged_count from app.keka_employee_imports order by id desc limit 1"
)
EVENTS = "select reltuples::bigint from pg_class where oid = 'app.attendance_events'::regclass"


@dataclass
class Status:
    migrations: dict[str, int]
    sync: dict[str, Any]
    last_import: dict[str, Any] | None
    events_estimate: int

    @property
    def needs_attention(self) -> list[str]:
        issues = []
        if self.migrations.get("pending"):
            issues.append(f"{self.migrations['pending']} migration(s) pending: run `make migrate`")
        if self.migrations.get("edited") or self.migrations.get("missing-file"):
            issues.append("an applied migration was edited or removed")
        if self.sync.get("dlq_depth"):
            issues.append(f"{self.sync['dlq_depth']} message(s) in keka_sync_dlq")
        if self.sync.get("permanent_failure"):
            issues.append(f"{self.sync['permanent_failure']} event(s) in PERMANENT_FAILURE: see api.retry_sync")
        if self.last_import and self.last_import["status"] == "FAILED":
            issues.append("the last employee import failed")
        return issues


def collect(url: str) -> Status:
    rows = Migrator(url).status()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        sync = cur.execute(SYNC).fetchone() or {}
        last = cur.execute(IMPORT).fetchone()
        est = cur.execute(EVENTS).fetchone()
    return Status(counts, dict(sync), dict(last) if last else None, max(int(est["reltuples"]) if est else 0, 0))
