"""`status`: migrations, sync lag and depths, circuit, last employee import, in one look.

Exit codes (documented in the README and ``status --help``):
0 all well; 3 something needs attention (listed); 4 the oldest unsynced punch
is older than the ``ops_max_sync_lag_seconds`` setting; 5 ``keka_sync_dlq``
holds more than ``ops_max_dead_letters``. The highest applicable code wins.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table

from worker.db.migrate import Migrator
from worker.observability import read_signals

OK, ATTENTION, SYNC_LAG, DEAD_LETTERS = 0, 3, 4, 5

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
    def lag_exceeded(self) -> bool:
        return float(self.sync.get("oldest_unsynced_seconds") or 0) > float(
            self.sync.get("max_sync_lag_seconds") or 300
        )

    @property
    def dead_letters_exceeded(self) -> bool:
        return int(self.sync.get("dlq_depth") or 0) > int(self.sync.get("max_dead_letters") or 0)

    @property
    def needs_attention(self) -> list[str]:
        issues = []
        if self.migrations.get("pending"):
            issues.append(f"{self.migrations['pending']} migration(s) pending: run `make migrate`")
        if self.migrations.get("edited") or self.migrations.get("missing-file"):
            issues.append("an applied migration was edited or removed")
        if self.dead_letters_exceeded:
            issues.append(
                f"{self.sync['dlq_depth']} message(s) in keka_sync_dlq (threshold {self.sync.get('max_dead_letters')})"
            )
        if self.lag_exceeded:
            issues.append(
                f"the oldest unsynced punch is {float(self.sync['oldest_unsynced_seconds']):.0f} s old"
                f" (threshold {self.sync.get('max_sync_lag_seconds')} s)"
            )
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

    @property
    def exit_code(self) -> int:
        if self.dead_letters_exceeded:
            return DEAD_LETTERS
        if self.lag_exceeded:
            return SYNC_LAG
        return ATTENTION if self.needs_attention else OK


def collect(url: str) -> Status:
    rows = Migrator(url).status()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    with psycopg.connect(url) as conn:
        sync = read_signals(conn)
        with conn.cursor(row_factory=dict_row) as cur:
            last = cur.execute(IMPORT).fetchone()
            estimate = cur.execute(EVENTS).fetchone()
    events = max(int(estimate["reltuples"]) if estimate else 0, 0)
    return Status(counts, sync, dict(last) if last else None, events)


def to_json(status: Status) -> str:
    """The status as one JSON object, with the exit code and the attention list."""
    return json.dumps(
        {**asdict(status), "needs_attention": status.needs_attention, "exit_code": status.exit_code},
        default=str,
        indent=2,
    )


def show(status: Status, console: Console) -> None:
    """The status as the operator reads it: one table, then what needs attention."""
    sync = status.sync
    table = Table("", "", title="hithonix status", show_header=False, title_justify="left")
    table.add_row("migrations", ", ".join(f"{n} {state}" for state, n in sorted(status.migrations.items())))
    lag = float(sync.get("oldest_unsynced_seconds") or 0)
    lag_colour = "red" if status.lag_exceeded else "green"
    table.add_row(
        "oldest unsynced punch",
        f"[{lag_colour}]{lag:.1f} s[/{lag_colour}] (threshold {sync.get('max_sync_lag_seconds')} s)",
    )
    table.add_row("keka_sync queue", str(sync.get("queue_depth", 0)))
    dlq_colour = "red" if status.dead_letters_exceeded else "green"
    table.add_row(
        "keka_sync_dlq",
        f"[{dlq_colour}]{sync.get('dlq_depth', 0)}[/{dlq_colour}] (threshold {sync.get('max_dead_letters')})",
    )
    circuit = sync.get("circuit_state", "UNKNOWN")
    table.add_row(
        "Keka circuit",
        circuit + (f" ({sync['circuit_kind']} since {sync.get('circuit_since')})" if sync.get("circuit_kind") else ""),
    )
    table.add_row(
        "needing a person",
        f"unconfirmed {sync.get('unconfirmed', 0)}, held back {sync.get('held_back', 0)},"
        f" Keka corrections {sync.get('needs_keka_correction', 0)}",
    )
    table.add_row(
        "sync status",
        f"pending {sync.get('pending')}, failed {sync.get('failed')}, permanent_failure "
        f"{sync.get('permanent_failure')} (escalated {sync.get('escalated')})",
    )
    table.add_row("pgmq archive rows", str(sync.get("archive_rows", 0)))
    table.add_row("ledger", f"≈ {status.events_estimate} events")
    last = status.last_import
    table.add_row(
        "last employee import",
        (
            f"#{last['id']} {last['status']} at {last['started_at']:%Y-%m-%d %H:%M} — created {last['created_count']}, "
            f"updated {last['updated_count']}, deactivated {last['deactivated_count']}, unchanged "
            f"{last['unchanged_count']}, skipped {last['skipped_count']} ({last['pages']} pages)"
            if last
            else "never"
        ),
    )
    console.print(table)
    for issue in status.needs_attention:
        console.print(f"[yellow]attention:[/yellow] {issue}")
    console.print(f"exit code {status.exit_code}")
