"""Audit-log retention (issue 14 part 3): the periodic job removes the rows
older than audit_retention_days, batch by batch, as the owner through
app.purge_audit_logs_v1, leaving one PURGE_AUDIT_LOGS row per batch; the
search totals stay exact."""

from __future__ import annotations

import psycopg

from tests.factories import claims, employee
from worker.audit_retention import purge_audit_logs
from worker.db.urls import derive_url
from worker.devtools.pgrest import PostgrestEmulator
from worker.tasks import open_pool

OLD_ROWS = 20
RECENT_ROWS = 5


def seed(owner: psycopg.Connection) -> None:
    owner.execute(
        """
        insert into app.audit_logs (created_at, actor_role, action, entity, reason)
        select now() - make_interval(days => case when g <= %s then 40 + g else 1 end), 'hr_admin',
               'VOID_EVENT', 'attendance_events', 'seeded'
        from generate_series(1, %s) as g
        """,
        [OLD_ROWS, OLD_ROWS + RECENT_ROWS],
    )
    owner.execute("update app.settings set value = '30' where key = 'audit_retention_days'")


def test_the_job_purges_old_rows_in_batches(owner: psycopg.Connection, db_url: str, api: PostgrestEmulator) -> None:
    hr = employee(owner, "hr@example.com", role="hr_admin")
    seed(owner)
    pool = open_pool(derive_url(db_url, user="hithonix_worker"), max_size=1)
    try:
        assert purge_audit_logs(pool, batch_rows=7) == {"deleted": OLD_ROWS, "batches": 3}
        assert purge_audit_logs(pool, batch_rows=7) == {"deleted": 0, "batches": 1}
    finally:
        pool.close()
    left = owner.execute("select count(*) from app.audit_logs where action = 'VOID_EVENT'").fetchone()
    assert left == (RECENT_ROWS,)
    summaries = owner.execute(
        "select (context ->> 'deleted')::int, actor_slack_id from app.audit_logs"
        " where action = 'PURGE_AUDIT_LOGS' order by id"
    ).fetchall()
    assert summaries == [(7, "system.retention"), (7, "system.retention"), (6, "system.retention")]
    total = api.rpc("audit_logs_search", {}, claims=claims("hr_admin", hr))
    assert total.status == 200
    count = owner.execute("select count(*) from app.audit_logs").fetchone()
    assert count and total.body["total"] == count[0]


def test_the_worker_role_cannot_delete_audit_rows_itself(owner: psycopg.Connection, db_url: str) -> None:
    seed(owner)
    with psycopg.connect(derive_url(db_url, user="hithonix_worker"), autocommit=True) as conn:
        try:
            conn.execute("delete from app.audit_logs")
        except psycopg.errors.InsufficientPrivilege:
            pass
        else:
            raise AssertionError("the worker deleted audit rows directly")
