"""The real worker process (procrastinate, as hithonix_worker) against the
sandbox: it syncs committed punches, survives kill -9 mid-batch without losing
or duplicating a punch, exposes metrics, and refuses to start half-configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import psycopg
import pytest

from tests.factories import PLAN, claims, employee
from tests.processes import clean_env, free_port, start_command, wait_for
from worker.devtools.keka_sandbox import KekaSandbox, keka_settings
from worker.devtools.pgrest import PostgrestEmulator


def worker_env(db_url: str, sandbox_url: str, metrics_port: int) -> dict[str, str]:
    return clean_env(
        db_url,
        ("KEKA_", "WORKER_"),
        **keka_settings(sandbox_url).connection_env(),
        KEKA_TIMEOUT_SECONDS="10",
        KEKA_VISIBILITY_TIMEOUT_SECONDS="3",
        WORKER_PUSH_INTERVAL_SECONDS="1",
        WORKER_METRICS_PORT=str(metrics_port),
    )


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return start_command("worker", env)


def synced(owner: psycopg.Connection) -> dict[str, int]:
    rows = owner.execute("select sync_status::text, count(*) from app.attendance_events group by 1").fetchall()
    return dict(rows)


def test_worker_syncs_and_survives_kill_9_mid_batch(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str
) -> None:
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        # Keka knows these people: a worker that starts within ten minutes after the
        # hourly import tick catches that tick up, and an import that did not know
        # them would (rightly) hold their punches back.
        sandbox.add_employees(
            [
                {
                    "id": f"00000000-0000-4000-8000-00000000000{n}",
                    "email": f"w{n}@example.com",
                    "attendanceNumber": f"A-w{n}",
                    "employeeNumber": f"E-w{n}",
                    "displayName": f"w{n}",
                }
                for n in range(3)
            ]
        )
        for n in range(3):
            me = employee(owner, f"w{n}@example.com")
            assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me)).status == 200
        sandbox.set_faults({"logs_hang": {"seconds": 4, "count": 1}})
        env = worker_env(db_url, sandbox.url, free_port())
        first = start_worker(env)
        try:
            wait_for(lambda: sandbox.stats()["requests"].get("POST /v1/logs", 0) >= 1, 30, "the first push")
            first.send_signal(signal.SIGKILL)  # mid-batch: Keka has the request, the worker dies
            first.wait(10)
        finally:
            first.kill()
        assert synced(owner) == {"PENDING": 3}, "the dead worker recorded nothing"

        second = start_worker(env)
        try:
            wait_for(lambda: synced(owner) == {"SUCCESS": 3}, 40, "the restarted worker to finish the batch")
            metrics = httpx.get(f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics", timeout=5).text
            assert "keka_events_pushed_total 3.0" in metrics
            assert "keka_sync_queue_depth" in metrics
        finally:
            second.terminate()
            second.wait(15)
        logs = sandbox.logs()
        assert len(logs) == 3, "nothing lost"
        # The documented residual risk: Keka got the batch the dead worker sent, so the
        # restarted worker's re-send is a second receipt of each punch (README, Duplicates).
        wait_for(lambda: sum(x["receipts"] for x in sandbox.logs()) == 6, 10, "the hung request to land")
        assert [x["receipts"] for x in sandbox.logs()] == [2, 2, 2]
        assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (0,)


def test_worker_refuses_to_start_without_settings(db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEKA_")}
    env["DATABASE_URL"] = db_url
    done = subprocess.run(
        [sys.executable, "-m", "worker", "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "KEKA_INGESTION_BASE_URL" in done.stderr and "missing" in done.stderr


@pytest.mark.parametrize("command", ["push", "import-employees"])
def test_cli_commands_fail_clearly_without_settings(command: str, db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEKA_")}
    env["DATABASE_URL"] = db_url
    done = subprocess.run([sys.executable, "-m", "worker", command], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "configuration error" in done.stderr
