"""Putting the generated company into a database, through the product's own paths.

- Employees: inserted by the owner straight into app.employees.
- Punches: the bulk path. One ``app.import_events_v1(…)`` per chunk (source
  'import'), its three parallel arrays sent as binary bind parameters (no
  staging table): business dates set-based, one lock per employee, one INSERT
  whose statement trigger derives daily_status in one pass and writes the outbox.
- The COPY baseline: the same rows into a bare table with the same columns.
- Sync state: history is marked as already delivered to Keka (as the worker
  would have left it) except a fixed backlog, so the outbox and the unsynced
  set look like a running system's.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from bench.generator import Employee, Event, window_events

IMPORT_ACTOR = "bench-import"

# The rows as three parallel arrays, sent in binary (%b): the server reads
# them straight into the call's arguments. A COPY into a temporary staging
# table and array_agg over it cost more than the baseline COPY itself (0.17 s
# of server CPU against 0.03 s at 100,000 rows, ~0.25 s of wall). The order
# is the generator's (employee, then time); app.import_events_v1 sorts the
# rows itself, the position only breaks ties between equal instants.
BULK_INSERT = "select app.import_events_v1(%b::uuid[], %b::text[]::app.event_type[], %b::timestamptz[], %b)"


def bulk_arguments(events: Iterable[Event]) -> tuple[list[uuid.UUID], list[str], list[dt.datetime], str]:
    """BULK_INSERT's parameters for ``events``: the three parallel arrays and the actor."""
    employee_ids: list[uuid.UUID] = []
    kinds: list[str] = []
    instants: list[dt.datetime] = []
    for employee_id, kind, at in events:
        employee_ids.append(employee_id)
        kinds.append(kind)
        instants.append(at)
    return employee_ids, kinds, instants, IMPORT_ACTOR


def insert_employees(conn: psycopg.Connection, employees: Sequence[Employee]) -> None:
    """As the owner, managers first (the list is already in that order)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """
            insert into app.employees (id, email, full_name, manager_employee_id, role, shift_config,
                                       attendance_number)
            values (%s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    e.id,
                    e.email,
                    e.full_name,
                    e.manager_id,
                    e.role,
                    Jsonb({"shift_type": e.shift_type}),
                    e.attendance_number,
                )
                for e in employees
            ],
        )


@dataclass(frozen=True)
class IngestTiming:
    rows: int
    arrays_seconds: float  # the client builds the call's three arrays
    insert_seconds: float  # app.import_events_v1 (arrays sent, its INSERT and triggers) and COMMIT

    @property
    def total_seconds(self) -> float:
        return self.arrays_seconds + self.insert_seconds


def bulk_ingest(conn: psycopg.Connection, events: Iterable[Event]) -> IngestTiming:
    """One chunk through the bulk path: one app.import_events_v1 call with the rows as arrays, committed."""
    started = time.perf_counter()
    arguments = bulk_arguments(events)
    built = time.perf_counter()
    with conn.transaction():
        conn.execute(BULK_INSERT, arguments)
    done = time.perf_counter()
    rows = len(arguments[0])
    return IngestTiming(rows=rows, arrays_seconds=built - started, insert_seconds=done - built)


EVENTS_PER_EMPLOYEE_DAY = 4.6  # what the generator averages over a week (weekends mostly off)


def load_history(
    conn: psycopg.Connection,
    seed: int,
    employees: Sequence[Employee],
    days: Sequence[dt.date],
    chunk_events: int,
    *,
    drain_between: bool = False,
) -> list[IngestTiming]:
    """``days`` of punches for ``employees``, oldest first, in windows of about ``chunk_events`` events.

    ``drain_between``: after every window but the last, the Keka outbox is emptied and
    VACUUMed, as a worker that keeps up would leave it (the queue table's pages follow the
    largest backlog it ever held: VACUUM cannot return pages that sit below live messages).
    """
    window = max(1, round(chunk_events / (len(employees) * EVENTS_PER_EMPLOYEE_DAY)))
    starts = range(0, len(days), window)
    timings = []
    for i in starts:
        timings.append(bulk_ingest(conn, window_events(seed, employees, days[i : i + window])))
        if drain_between and i != starts[-1]:
            conn.execute("select pgmq.purge_queue('keka_sync')")
            conn.execute("vacuum pgmq.q_keka_sync")
    return timings


def copy_baseline(conn: psycopg.Connection, events: Sequence[Event]) -> float:
    """Seconds to COPY the same rows (same columns) into a bare table, committed."""
    conn.execute("create schema if not exists bench")
    conn.execute(
        "create table if not exists bench.copy_baseline (employee_id uuid, event_type app.event_type, "
        "occurred_at timestamptz, source text, created_by text)"
    )
    conn.execute("truncate bench.copy_baseline")
    started = time.perf_counter()
    with (
        conn.transaction(),
        conn.cursor().copy(
            "copy bench.copy_baseline (employee_id, event_type, occurred_at, source, created_by) from stdin"
        ) as copy,
    ):
        for employee_id, kind, at in events:
            copy.write_row((employee_id, kind, at, "import", IMPORT_ACTOR))
    return time.perf_counter() - started


@dataclass(frozen=True)
class Backlog:
    pending: int  # newest PENDING clock events that keep their outbox message
    failed: int  # FAILED, no live message: what reconciliation must find


DELIVER = """
update app.attendance_events as ev
set sync_status = 'SUCCESS', synced_at = now(), last_attempt_at = now(),
    attempt_count = ev.attempt_count + 1, keka_ref = 'bench: delivered'
where ev.sync_status in ('PENDING', 'FAILED') and ev.id >= %s and ev.id < %s
"""

FAIL = """
update app.attendance_events as ev
set sync_status = 'FAILED', last_attempt_at = now(), attempt_count = 3,
    last_sync_error = 'HTTP 503: injected by the benchmark'
where ev.sync_status = 'PENDING' and ev.id >= %s and ev.id < %s
"""

DROP_MESSAGES = "delete from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint < %s"

NEVER = 2**62


def autovacuum_threshold(conn: psycopg.Connection, table: str) -> int:
    """Dead tuples at which autovacuum vacuums ``table``: threshold + scale factor x rows (table options win)."""
    row = conn.execute(
        """
        select c.reltuples, coalesce(c.reloptions, '{}'),
               current_setting('autovacuum_vacuum_threshold'), current_setting('autovacuum_vacuum_scale_factor')
        from pg_class as c where c.oid = %s::regclass
        """,
        [table],
    ).fetchone()
    assert row
    options = dict(option.split("=", 1) for option in row[1])
    threshold = float(options.get("autovacuum_vacuum_threshold", row[2]))
    scale = float(options.get("autovacuum_vacuum_scale_factor", row[3]))
    return int(threshold + scale * max(row[0], 0))


def settle_sync_state(conn: psycopg.Connection, backlog: Backlog, *, churn: bool = False) -> dict[str, int]:
    """Mark history as delivered to Keka except ``backlog``, as the worker would have left it.

    The owner may change the sync columns (the append-only trigger allows
    exactly those); delivered events lose their outbox message. The newest
    ``pending + failed`` unsynced events stay unsynced; ``failed`` of them
    become FAILED without a message (what reconciliation must find).

    ``churn``: leave the ledger as it is just before autovacuum would next
    vacuum it. Every delivery is an UPDATE whose old version (PENDING) stays
    in the ledger's indexes, the partial unsynced index included, until a
    VACUUM. History up to the newest (backlog + churn) unsynced events is
    delivered and VACUUMed (autovacuum would long have done it); then the
    ``churn`` events before the backlog are delivered and not vacuumed, where
    ``churn`` is the table's autovacuum trigger (threshold + scale factor x
    rows). The queue is vacuumed after both steps: its trigger is tiny.
    """
    conn.execute("analyze app.attendance_events")
    dead = autovacuum_threshold(conn, "app.attendance_events") if churn else 0
    ids = [
        row[0]
        for row in conn.execute(
            "select ev.id from app.attendance_events as ev where ev.sync_status = 'PENDING'"
            " order by ev.id desc limit %s",
            [backlog.pending + backlog.failed + dead],
        )
    ]
    ids.sort()
    dead = max(0, min(dead, len(ids) - backlog.pending - backlog.failed))

    def at(i: int) -> int:
        return ids[i] if i < len(ids) else NEVER

    first_churn, first_failed, first_pending = at(0), at(dead), at(dead + backlog.failed)
    with conn.transaction():
        delivered = conn.execute(DELIVER, [0, first_churn]).rowcount
        conn.execute(DROP_MESSAGES, [first_churn])
    if churn:
        conn.execute("vacuum (analyze) app.attendance_events")
        conn.execute("vacuum pgmq.q_keka_sync")
    with conn.transaction():
        churned = conn.execute(DELIVER, [first_churn, first_failed]).rowcount
        failed = conn.execute(FAIL, [first_failed, first_pending]).rowcount
        conn.execute(DROP_MESSAGES, [first_pending])
    if churn:
        conn.execute("vacuum pgmq.q_keka_sync")
    return {
        "delivered": delivered + churned,
        "delivered_since_vacuum": churned,
        "pending": len(ids) - dead - failed,
        "failed": failed,
    }


def analyze(conn: psycopg.Connection) -> None:
    conn.execute("analyze")
