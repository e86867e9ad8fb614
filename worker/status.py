"""`status`: migrations, queues, sync health and the last employee import, in one look."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from worker.db.migrate import Migrator

SYNC = "select * from app.sync_overview() cross join app.keka_sync_signals()"
IMPORT = (
    "select id, status, started_at, finished_at, pages, created_count, updated_count,"
    " deactivated_count, unchanged_count, skipped_count from app.keka_employee_imports order by id desc limit 1"
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
        if self.sync.get("circuit_state") == "OPEN":
            issues.append(
                f"Keka push circuit OPEN ({self.sync.get('circuit_kind')}) since {self.sync.get('circuit_since')}:"
                f" {self.sync.get('circuit_reason')}"
            )
        for key, what in (
            ("unconfirmed", "punch(es) Keka may not hold (UNCONFIRMED): check them in Keka"),
            ("held_back", "punch(es) held back: attendance number unknown to the last import"),
            ("needs_keka_correction", "voided punch(es) to correct in Keka by hand: api.keka_corrections"),
        ):
            if self.sync.get(key):
                issues.append(f"{self.sync[key]} {what}")
        if self.last_import and self.last_import["status"] == "FAILED":
            issues.append("the last employee import failed")
        if self.last_import and self.last_import.get("skipped_count"):
            issues.append(
                f"the last employee import skipped {self.last_import['skipped_count']} profile(s):"
                " see errors in app.keka_employee_imports"
            )
        return issues


def collect(url: str) -> Status:
    rows = Migrator(url).status()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        sync = cur.execute(SYNC).fetchone() or {}
        last = cur.execute(IMPORT).fetchone()
        estimate = cur.execute(EVENTS).fetchone()
    events = max(int(estimate["reltuples"]) if estimate else 0, 0)
    return Status(counts, dict(sync), dict(last) if last else None, events)


def show(status: Status, say: Callable[[str], None]) -> None:
    """The status as the operator reads it, one line at a time (rich markup)."""
    say(f"migrations: {status.migrations}")
    sync = status.sync
    say(
        f"sync: pending {sync.get('pending')}, failed {sync.get('failed')}, permanent_failure "
        f"{sync.get('permanent_failure')} (escalated {sync.get('escalated')}); queue keka_sync "
        f"{sync.get('queue_depth')}, keka_sync_dlq {sync.get('dlq_depth')}; oldest pending "
        f"{sync.get('oldest_pending_age') or '—'}; ledger ≈ {status.events_estimate} events"
    )
    last = status.last_import
    say(
        "last employee import: "
        + (
            f"#{last['id']} {last['status']} at {last['started_at']:%Y-%m-%d %H:%M} — created {last['created_count']}, "
            f"updated {last['updated_count']}, deactivated {last['deactivated_count']}, unchanged "
            f"{last['unchanged_count']}, skipped {last['skipped_count']} ({last['pages']} pages)"
            if last
            else "never"
        )
    )
    for issue in status.needs_attention:
        say(f"[yellow]attention:[/yellow] {issue}")
