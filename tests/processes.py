"""Worker-process scaffolding shared by the tests that run the real worker commands
(the Keka worker, the calendar worker, the notification lane): free ports, polling,
an environment stripped of the developer's settings, and processes that are always
stopped at the end of the test (the ``spawn`` fixture in tests/conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def clean_env(db_url: str, drop: tuple[str, ...] = (), **settings: str) -> dict[str, str]:
    """This environment without variables starting with ``drop``, pointed at ``db_url``, plus ``settings``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(drop)} if drop else dict(os.environ)
    return {**kept, "DATABASE_URL": db_url, **settings}


def start_command(command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python -m worker <command>`` in the background, its output discarded."""
    return subprocess.Popen(
        [sys.executable, "-m", "worker", command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


class Spawned:
    """The processes a test started; ``stop_all`` ends those still running (SIGTERM, then SIGKILL)."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def __call__(self, command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = start_command(command, env)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
