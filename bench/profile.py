"""Evidence for the figures: where the server spends the time, per function.

Not timed figures themselves. ``track_functions = 'all'`` counts calls and
self/total time of every SQL and PL/pgSQL function, which is what the punch
path and the bulk path are made of; EXPLAIN (ANALYZE, BUFFERS) of a bulk
INSERT adds the time per trigger.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg

from bench import loader
from bench.database import BenchDatabase
from bench.generator import Employee, Event
from bench.pgrest import Session, claims

FUNCTION_STATS = """
select schemaname || '.' || funcname, calls, total_time, self_time
from {view} order by self_time desc limit %s
"""


@dataclass(frozen=True)
class FunctionCost:
    function: str
    calls_per_unit: float
    total_ms_per_unit: float
    self_ms_per_unit: float


def _costs(rows: Iterable[tuple[str, int, float, float]], units: int) -> list[FunctionCost]:
    return [
        FunctionCost(name, round(calls / units, 2), round(total / units, 4), round(own / units, 4))
        for name, calls, total, own in rows
    ]


def ingest(conn: psycopg.Connection, events: Sequence[Event], top: int = 12) -> tuple[str, list[FunctionCost]]:
    """Load ``events`` through the bulk path under EXPLAIN (ANALYZE, BUFFERS) with function tracking."""
    conn.execute("set track_functions = 'all'")
    try:
        with conn.transaction():
            plan = conn.execute(
                "explain (analyze, buffers) " + loader.BULK_INSERT, loader.bulk_arguments(events)
            ).fetchall()
            rows = conn.execute(FUNCTION_STATS.format(view="pg_stat_xact_user_functions"), [top]).fetchall()
    finally:
        conn.execute("reset track_functions")
    return "\n".join(r[0] for r in plan), _costs(rows, max(len(events), 1))


def punch(db: BenchDatabase, employees: Sequence[Employee], top: int = 15) -> list[FunctionCost]:
    """One client clocks ``employees`` in and out with function tracking on; costs per punch."""
    with db.connect() as conn:
        conn.execute(f"alter database \"{db.name}\" set track_functions = 'all'")
    try:
        session = Session(db.authenticator_url)
        with db.connect() as conn:
            conn.execute("select pg_stat_reset()")
        try:
            for e in employees:
                session.clock_in(claims("employee", e.id))
            for e in employees:
                session.clock_out(claims("employee", e.id))
        finally:
            session.close()  # a backend flushes its function statistics when it exits
        time.sleep(1.0)
        with db.connect() as conn:
            conn.execute("select pg_stat_clear_snapshot()")
            rows = conn.execute(FUNCTION_STATS.format(view="pg_stat_user_functions"), [top]).fetchall()
    finally:
        with db.connect() as conn:
            conn.execute(f'alter database "{db.name}" reset track_functions')
    return _costs(rows, max(2 * len(employees), 1))
