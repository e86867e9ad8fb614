"""The Citus plan in docs/scale-out.md names every table of schema app once,
with the class the catalog gives it: the per-employee tables (the key rule's,
tests.distribution_key_violations) distributed by employee_id and co-located
with the ledger, every other table a reference or coordinator-local one. A
new table fails here until the plan says where it goes."""

from __future__ import annotations

import re

import psycopg

from worker.config import ROOT

PLAN = ROOT / "docs" / "scale-out.md"
CALL = re.compile(
    r"select (create_distributed_table|create_reference_table|citus_add_local_table_to_metadata)"
    r"\('(app\.\w+)'(?:, '(\w+)')?(?:, (?:shard_count := \d+|colocate_with := '(app\.\w+)'))?\);"
)


def planned() -> dict[str, tuple[str, str | None, str | None]]:
    calls: dict[str, tuple[str, str | None, str | None]] = {}
    for kind, table, column, colocate in CALL.findall(PLAN.read_text()):
        assert table not in calls, f"{table} is placed twice in {PLAN.name}"
        calls[table] = (kind, column or None, colocate or None)
    return calls


def plan_problems(conn: psycopg.Connection) -> list[str]:
    """Where the plan and the catalog disagree (empty when they agree)."""
    tables = {
        r[0]
        for r in conn.execute(
            "select c.oid::regclass::text from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = 'app' and c.relkind in ('r', 'p') and not c.relispartition"
        )
    }
    per_employee = {r[0] for r in conn.execute("select t::text from tests.per_employee_tables() as t")}
    calls = planned()
    problems = [f"{t} is not placed in {PLAN.name}" for t in sorted(tables - set(calls))]
    problems += [f"{t} is placed but does not exist" for t in sorted(set(calls) - tables)]
    ledger = "app.attendance_events"
    for table in sorted(tables & set(calls)):
        expected = (
            ("create_distributed_table", "employee_id", None if table == ledger else ledger)
            if table in per_employee
            else None
        )
        if expected and calls[table] != expected:
            problems.append(f"{table} is per-employee: distribute it by employee_id, co-located with {ledger}")
        if not expected and calls[table][0] == "create_distributed_table":
            problems.append(f"{table} is not per-employee but the plan distributes it")
    return problems


def test_plan_places_every_table_by_its_keys(owner: psycopg.Connection) -> None:
    assert plan_problems(owner) == []
    assert owner.execute("select count(*) from tests.distribution_key_violations()").fetchone() == (0,)


def test_plan_check_reports_unplaced_tables(owner: psycopg.Connection) -> None:
    owner.execute("create table app.leave_balances (employee_id uuid not null primary key)")
    owner.execute("create table app.holidays (day date primary key)")
    assert plan_problems(owner) == [
        f"app.holidays is not placed in {PLAN.name}",
        f"app.leave_balances is not placed in {PLAN.name}",
    ]
