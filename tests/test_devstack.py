"""`make run` (python -m worker run) when a child dies: the worker is restarted,
the sandbox dying stops everything with a message naming it; `make sandbox`
listens on KEKA_SANDBOX_PORT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.test_worker_process import free_port, wait_for


def children_of(pid: int) -> dict[int, str]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = cmdline
    return found


def test_make_run_restarts_the_worker_and_stops_when_the_sandbox_dies(db_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEKA_", "WORKER_"))}
    env.update(DATABASE_URL=db_url, KEKA_SANDBOX_PORT=str(free_port()), WORKER_METRICS_PORT=str(free_port()))
    env["PATH"] = "/usr/bin:/bin"  # no postgrest
    err = (tmp_path / "stderr").open("w+")
    run = subprocess.Popen(
        [sys.executable, "-m", "worker", "run"], env=env, stdout=subprocess.DEVNULL, stderr=err, text=True
    )
    try:

        def worker_pid() -> int | None:
            return next((p for p, cmd in children_of(run.pid).items() if cmd.endswith("-m worker worker ")), None)

        wait_for(lambda: worker_pid() is not None, 60, "make run to start the worker")
        first = worker_pid()
        assert first
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: worker_pid() not in (None, first), 30, "the worker to be restarted")
        sandbox = next(p for p, cmd in children_of(run.pid).items() if "keka_sandbox" in cmd)
        os.kill(sandbox, signal.SIGKILL)
        assert run.wait(30) == 1
        told = Path(err.name).read_text()
        assert "the worker exited with code -9; restarting it" in told
        assert "the Keka sandbox exited (exit code -9); stopping everything" in told
        assert worker_pid() is None
    finally:
        if run.poll() is None:
            run.kill()


def test_make_sandbox_listens_on_keka_sandbox_port() -> None:
    port = free_port()
    env = {**os.environ, "KEKA_SANDBOX_PORT": str(port)}
    sandbox = subprocess.Popen([sys.executable, "-m", "worker", "sandbox"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert sandbox.stdout
        assert sandbox.stdout.readline().strip() == f"KEKA_SANDBOX_READY http://127.0.0.1:{port}"
    finally:
        sandbox.terminate()
        sandbox.wait(10)
