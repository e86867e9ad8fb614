"""``hithonix push`` against the Keka sandbox: a summary table (or --json) and
exit codes like the other commands (0 all delivered, 3 needs attention)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg

from tests.factories import PLAN, claims, employee
from worker.devtools.keka_sandbox import KekaSandbox, keka_settings
from worker.devtools.pgrest import PostgrestEmulator


def keka_employee(n: int) -> dict[str, str]:
    return {
        "id": f"00000000-0000-4000-8000-00000000010{n}",
        "email": f"p{n}@example.com",
        "attendanceNumber": f"A-p{n}",
        "employeeNumber": f"E-p{n}",
        "displayName": f"p{n}",
    }


def run_push(db_url: str, sandbox_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KEKA_", "WORKER_"))},
        **keka_settings(sandbox_url).connection_env(),
        "DATABASE_URL": db_url,
        "KEKA_TIMEOUT_SECONDS": "10",
    }
    return subprocess.run(
        [sys.executable, "-m", "worker", "push", "--budget", "20", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_push_prints_a_summary_and_exits_by_outcome(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str
) -> None:
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        sandbox.add_employees([keka_employee(n) for n in range(3)])
        people = [employee(owner, f"p{n}@example.com", attendance_number=f"A-p{n}") for n in range(3)]
        for me in people[:2]:
            assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me)).status == 200

        done = run_push(db_url, sandbox.url)
        assert done.returncode == 0, done.stderr
        assert "2 of 2 delivered" in done.stdout and "all delivered" in done.stdout
        assert "{" not in done.stdout, "a table, not a raw dict"

        # Keka answers 500 to any batch with the third employee: needs attention, exit 3
        sandbox.set_faults({"fail_attendance_numbers": ["A-p2"]})
        assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", people[2])).status == 200
        done = run_push(db_url, sandbox.url, "--json")
        assert done.returncode == 3, done.stderr
        summary = json.loads(done.stdout)
        assert summary["read"] == 1 and summary["succeeded"] == 0
        assert summary["failed"] + summary["permanent"] + summary["unconfirmed"] >= 1
