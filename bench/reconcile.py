"""The reconciliation scan: what app.reconcile_sync_v1 and app.sync_overview() read.

reconcile_sync_v1 writes (it re-enqueues and escalates), so the benchmark
times the SELECT inside it (the text below, checked against the function's
source so a change there is noticed) and app.sync_overview() as the owner,
and keeps EXPLAIN (ANALYZE, BUFFERS) of both queries. The claim under test is
that their cost follows the unsynced backlog, not the ledger size. Every
delivery to Keka UPDATEs the event, and the old (PENDING) version stays in
the partial index until VACUUM, so both scans are measured just before
autovacuum would run and again right after a VACUUM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from bench.timing import Latency, sample

RECONCILE_SELECT = """
select array_agg(jsonb_build_object('event_id', ev.id, 'employee_id', ev.employee_id))
from app.attendance_events as ev
where ev.sync_status in ('PENDING', 'FAILED')
    and not exists (
        select 1 from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = ev.id offset 0
    )
"""

# the fragment of app.reconcile_sync_v1 that RECONCILE_SELECT reproduces
_SIGNATURE = (
    "select array_agg(jsonb_build_object('event_id', ev.id, 'employee_id', ev.employee_id)) into v_requeue "
    "from app.attendance_events as ev where ev.sync_status in ('PENDING', 'FAILED') and not exists "
    "( select 1 from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = ev.id offset 0 )"
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("(", "( ").replace(")", " )")).replace("( ", "(").strip()


def _function(conn: psycopg.Connection, signature: str) -> tuple[str, list[str]]:
    """(source, SET clauses as 'name=value') of a function."""
    row = conn.execute(
        "select prosrc, coalesce(proconfig, '{}') from pg_proc where oid = %s::regprocedure", [signature]
    ).fetchone()
    assert row, f"{signature} not found"
    return row[0], list(row[1])


def _set_local(conn: psycopg.Connection, config: list[str]) -> None:
    for setting in config:
        name, value = setting.split("=", 1)
        conn.execute("select set_config(%s, %s, true)", [name, value])


@dataclass
class ReconcileResult:
    ledger_events: int
    unsynced_events: int
    queue_depth: int
    reconcile: Latency
    overview: Latency
    reconcile_explain: str
    overview_explain: str
    matches_function: bool
    uses_partial_index: bool


def measure(conn: psycopg.Connection, repeat: int = 60) -> ReconcileResult:
    """Time both queries (as the owner: both functions are SECURITY DEFINER) and explain them."""
    source, reconcile_config = _function(conn, "app.reconcile_sync_v1()")
    matches = _squash(_SIGNATURE) in _squash(source)
    overview_sql, overview_config = _function(conn, "app.sync_overview()")
    with conn.transaction():  # the SELECT runs under reconcile_sync_v1's own SET clauses, as inside it
        _set_local(conn, reconcile_config)
        reconcile = sample(lambda: conn.execute(RECONCILE_SELECT).fetchall(), repeat)
        reconcile_explain = "\n".join(
            r[0] for r in conn.execute("explain (analyze, buffers) " + RECONCILE_SELECT).fetchall()
        )
    overview = sample(lambda: conn.execute("select * from app.sync_overview()").fetchall(), repeat)
    with conn.transaction():  # its body, explained under its SET clauses
        _set_local(conn, overview_config)
        overview_explain = "\n".join(
            r[0] for r in conn.execute("explain (analyze, buffers) " + overview_sql).fetchall()
        )
    counts = conn.execute(
        """
        select (select count(*) from app.attendance_events),
               (select count(*) from app.attendance_events
                where sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE')),
               (select count(*) from pgmq.q_keka_sync)
        """
    ).fetchone()
    assert counts
    return ReconcileResult(
        ledger_events=counts[0],
        unsynced_events=counts[1],
        queue_depth=counts[2],
        reconcile=reconcile,
        overview=overview,
        reconcile_explain=reconcile_explain,
        overview_explain=overview_explain,
        matches_function=matches,
        uses_partial_index="attendance_events_unsynced_idx" in reconcile_explain
        and "attendance_events_unsynced_idx" in overview_explain,
    )


@dataclass
class ReconcileStates:
    """The same scans just before autovacuum would run (``churned``) and right after a VACUUM."""

    churned: ReconcileResult
    vacuumed: ReconcileResult
    delivered_since_vacuum: int


def measure_states(conn: psycopg.Connection, delivered_since_vacuum: int) -> ReconcileStates:
    """Measure as the ledger is (after settle_sync_state(churn=True)), VACUUM it, measure again."""
    churned = measure(conn)
    conn.execute("vacuum (analyze) app.attendance_events")
    return ReconcileStates(churned, measure(conn), delivered_since_vacuum)
