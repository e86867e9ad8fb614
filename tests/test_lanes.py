"""Issue 19: pushes never wait behind another job. The real worker process,
the employee import held on a 429 in the Keka sandbox, and punches committed
meanwhile reach Keka while the import job is still running — through the
LISTEN/NOTIFY push lane, with the periodic safety-net drain set to a minute so
it cannot be what delivered them. And an idle worker is quiet."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psycopg
from procrastinate import App, PsycopgConnector
from psycopg.conninfo import make_conninfo

from tests.factories import PLAN, claims, employee
from tests.processes import free_port, wait_for
from tests.test_worker_process import start_worker, synced, worker_env
from worker.devtools.keka_sandbox import KekaSandbox
from worker.devtools.pgrest import PostgrestEmulator
from worker.tasks import JOB_QUEUE


def import_job_state(owner: psycopg.Connection) -> str | None:
    """'doing' while any import job runs (ours, or the hourly one when the test runs near :17)."""
    rows = owner.execute(
        "select status::text from procrastinate.procrastinate_jobs where task_name = 'import_employees'"
    ).fetchall()
    states = {row[0] for row in rows}
    return "doing" if "doing" in states else (sorted(states)[0] if states else None)


def test_pushes_are_delivered_while_the_import_waits_on_a_429(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str
) -> None:
    people = [employee(owner, f"lane{n}@example.com") for n in range(3)]
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        sandbox.set_faults({"hris": {"status": 429, "count": None, "retry_after": 30}})
        env = worker_env(db_url, sandbox.url, free_port())
        env["WORKER_PUSH_INTERVAL_SECONDS"] = "60"  # the safety net is not what delivers below
        worker = start_worker(env)
        try:
            conninfo = make_conninfo(db_url, options="-c search_path=procrastinate,public")
            app = App(connector=PsycopgConnector(conninfo=conninfo))
            with app.open():
                app.configure_task("import_employees", queue=JOB_QUEUE).defer(timestamp=0)
            wait_for(lambda: import_job_state(owner) == "doing", 30, "the worker to start the import")
            wait_for(lambda: sandbox.stats()["faults_injected"].get("hris", 0) >= 1, 30, "the import to meet the 429")
            for me in people:
                assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me)).status == 200
            wait_for(lambda: synced(owner) == {"SUCCESS": 3}, 20, "the punches to reach Keka")
            assert import_job_state(owner) == "doing", "the import was still waiting on Keka's 429"
            assert len(sandbox.logs()) == 3
            lag = owner.execute(
                "select max(extract(epoch from synced_at - recorded_at)) from app.attendance_events"
            ).fetchone()
            print(f"commit→synced, slowest of 3 while the import waits: {lag[0] if lag else None:.3f} s")
        finally:
            worker.terminate()
            worker.wait(20)


def test_an_idle_worker_is_quiet_at_the_default_log_level(db_url: str) -> None:
    """Issue 19, noise: scheduler chatter and per-request lines only at LOG_LEVEL=DEBUG."""
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        lines = {}
        for level in ("INFO", "DEBUG"):
            env = worker_env(db_url, sandbox.url, free_port())
            env["LOG_LEVEL"] = level
            worker = subprocess.Popen(
                [sys.executable, "-m", "worker", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            time.sleep(6)  # an observation window (push interval 1 s: six safety-net drains), not a timing assertion
            worker.terminate()
            out, _ = worker.communicate(timeout=30)
            lines[level] = [line for line in out.decode().splitlines() if line.strip()]
    events = [json.loads(line).get("event", "") for line in lines["INFO"]]
    # the hourly employee import may be due while the test runs (near :17): its summary is not chatter
    assert set(events) <= {"worker_starting", "worker_stopping", "worker_stopped", "keka_employee_import"}, lines[
        "INFO"
    ]
    assert len(lines["DEBUG"]) > len(lines["INFO"]) + 5, "DEBUG shows the per-job detail"
