"""Issue 19, operator side: the NOTIFY that drives delivery, the signals the
worker exports, retention keeping the pgmq archive and procrastinate's tables
bounded, a stalled reconcile retried, and the shipped alert rules and dashboard
checked (promtool; the dashboard's JSON and the metrics it names)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess

import procrastinate
import psycopg
import pytest
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from psycopg_pool import ConnectionPool

from tests.factories import employee
from worker.config import ROOT
from worker.db.urls import derive_url
from worker.devtools.keka_sandbox import KekaSandbox, keka_settings
from worker.keka.client import KekaLogsClient
from worker.keka.sync import Pusher
from worker.observability import SignalsCollector
from worker.tasks import JOB_QUEUE, create_app, open_pool, run_retention

DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\b(?:keka|hithonix)_[a-z_]+\b")


def punch(owner: psycopg.Connection, who: object, minutes_ago: int) -> None:
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " values (%s, 'CLOCK_IN', now() - make_interval(mins => %s), 'import', 't')",
        [who, minutes_ago],
    )


def test_outbox_notifies_at_commit_and_not_on_rollback(owner: psycopg.Connection, db_url: str) -> None:
    me = employee(owner, "notify@example.com")
    with psycopg.connect(derive_url(db_url, user="hithonix_worker"), autocommit=True) as listener:
        listener.execute("listen keka_sync")
        with psycopg.connect(db_url) as writer:
            punch(writer, me, 5)
            writer.rollback()
        assert list(listener.notifies(timeout=0.5)) == [], "a rolled-back punch notifies nobody"
        owner.execute("insert into pgmq.q_keka_sync (message) select '{}'::jsonb where false")
        assert list(listener.notifies(timeout=0.5)) == [], "an insert of no message notifies nobody"
        punch(owner, me, 5)
        got = list(listener.notifies(timeout=5, stop_after=1))
        assert [n.channel for n in got] == ["keka_sync"]


def exported_metric_names(db_url: str) -> set[str]:
    registry = CollectorRegistry()
    with psycopg.connect(derive_url(db_url, user="hithonix_worker"), autocommit=True) as conn:

        class One:
            def __enter__(self) -> psycopg.Connection:
                return conn

            def __exit__(self, *exc: object) -> None:
                return None

        registry.register(SignalsCollector(One))
        text = generate_latest(registry).decode() + generate_latest(REGISTRY).decode()
    return set(re.findall(r"^(?:# (?:HELP|TYPE) )?([a-z_:]+)", text, re.M)) | {"up"}


def test_signals_are_current_without_a_push(owner: psycopg.Connection, db_url: str) -> None:
    me = employee(owner, "gauge@example.com")
    punch(owner, me, 5)
    registry = CollectorRegistry()
    pool = open_pool(derive_url(db_url, user="hithonix_worker"), max_size=1)
    try:
        registry.register(SignalsCollector(pool.connection))
        assert registry.get_sample_value("keka_sync_queue_depth") == 1
        assert registry.get_sample_value("keka_sync_pending_events") == 1
        assert (registry.get_sample_value("keka_sync_oldest_unsynced_seconds") or 0) > 0
        assert registry.get_sample_value("hithonix_signals_up") == 1
        owner.execute("select pgmq.send('keka_sync_dlq', '{\"event_id\": 1}')")
        assert registry.get_sample_value("keka_sync_dlq_depth") == 1, "read at scrape time, not at the last push"
    finally:
        pool.close()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool missing: run `make setup` (Debian prometheus)")
def test_alert_rules_pass_promtool_and_their_unit_tests() -> None:
    rules = DEPLOY / "prometheus"
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        done = subprocess.run(["promtool", *args], cwd=rules, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_dashboard_and_alerts_name_only_metrics_the_worker_exports(db_url: str) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "hithonix-keka-sync.json").read_text())
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    exported = exported_metric_names(db_url)
    used: set[str] = set()
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]) and panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and target["expr"]
            used |= set(METRIC.findall(target["expr"]))
    alerts = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    used |= set(METRIC.findall(alerts.split("annotations")[0])) | {
        m for line in alerts.splitlines() if "expr:" in line for m in METRIC.findall(line)
    }
    unknown = {name for name in used if name not in exported and not name.endswith(("_bucket", "_count", "_sum"))}
    assert not unknown, f"named but not exported: {sorted(unknown)}"
    assert "keka_sync_oldest_unsynced_seconds" in used and "keka_push_circuit_open" in used


async def retain(app: procrastinate.App, pool: ConnectionPool) -> dict[str, object]:
    async with app.open_async():
        return await run_retention(app, pool)


def table_sizes(owner: psycopg.Connection) -> dict[str, int]:
    row = owner.execute(
        "select (select count(*) from pgmq.a_keka_sync),"
        " (select count(*) from procrastinate.procrastinate_jobs where status not in ('todo', 'doing')),"
        " (select count(*) from app.attendance_events where sync_status = 'SUCCESS')"
    ).fetchone()
    assert row
    return {"archive": row[0], "jobs": row[1], "synced": row[2]}


def test_retention_keeps_archive_and_job_tables_bounded(owner: psycopg.Connection, db_url: str) -> None:
    """N synced punches and N jobs per round; after each retention run the archive and the
    job table are back to the bound while the ledger keeps every punch."""
    worker_url = derive_url(db_url, user="hithonix_worker")
    keys = ["retention_sync_archive_days", "retention_finished_jobs_hours", "retention_failed_jobs_days"]
    # the worker's own periodic retention job may run inside run_worker: it keeps everything until we say
    owner.execute("update app.settings set value = '1000' where key = any(%s)", [keys])
    people = [employee(owner, f"r{n}@example.com") for n in range(5)]
    n = 40
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        settings = keka_settings(sandbox.url)
        pool = open_pool(worker_url, max_size=2)
        app = create_app(worker_url, settings, pool)
        jobs = procrastinate.App(connector=app.connector)
        jobs.task(queue=JOB_QUEUE, name="succeeds")(lambda: None)
        try:
            with KekaLogsClient(sandbox.url, settings.ingestion_key, 10) as client:
                for round_ in range(2):
                    for k in range(n):
                        punch(owner, people[k % 5], 600 * (round_ + 1) + k)  # distinct times, no duplicates
                    with psycopg.connect(worker_url, autocommit=True) as conn:
                        Pusher(conn, client, settings).drain(60)
                    # jobs run by an app without periodic tasks: the product's would also defer
                    # whatever periodic job is due (an hourly import would change what is held back)
                    for _ in range(n // 4):
                        with jobs.open():
                            jobs.configure_task("succeeds", queue=JOB_QUEUE).defer()
                            jobs.configure_task("no_such_task", queue=JOB_QUEUE).defer()
                        jobs.run_worker(queues=[JOB_QUEUE], wait=False, install_signal_handlers=False)
                    before = table_sizes(owner)
                    assert before["archive"] >= n and before["jobs"] >= n // 2, before
                    owner.execute("update app.settings set value = '0' where key = any(%s)", [keys])
                    asyncio.run(retain(app, pool))
                    owner.execute("update app.settings set value = '1000' where key = any(%s)", [keys])
                    after = table_sizes(owner)
                    assert after == {"archive": 0, "jobs": 0, "synced": n * (round_ + 1)}, (before, after)
        finally:
            pool.close()


def test_a_stalled_reconcile_is_retried(owner: psycopg.Connection, db_url: str) -> None:
    worker_url = derive_url(db_url, user="hithonix_worker")
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        pool = open_pool(worker_url, max_size=1)
        app = create_app(worker_url, keka_settings(sandbox.url), pool)
        try:
            with app.open():
                job_id = app.configure_task("reconcile", queue=JOB_QUEUE).defer(timestamp=0)

            async def claim_and_die() -> None:
                async with app.open_async():
                    dead = await app.job_manager.register_worker()
                    job = await app.job_manager.fetch_job([JOB_QUEUE], dead)
                    assert job and job.id == job_id

            asyncio.run(claim_and_die())
            owner.execute("update procrastinate.procrastinate_workers set last_heartbeat = now() - interval '1 hour'")
            state = "select status::text from procrastinate.procrastinate_jobs where id = %s"
            assert owner.execute(state, [job_id]).fetchone() == ("doing",)
            result = asyncio.run(retain(app, pool))
            assert result["stalled_jobs_retried"] == 1 and result["dead_workers_deleted"] == 1
            assert owner.execute(state, [job_id]).fetchone() == ("todo",)
            app.run_worker(queues=[JOB_QUEUE], wait=False, install_signal_handlers=False)
            assert owner.execute(state, [job_id]).fetchone() == ("succeeded",)
        finally:
            pool.close()
