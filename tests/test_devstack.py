"""`make run` (python -m worker run) when a child dies: the worker is restarted,
the sandbox dying stops everything with a message naming it; `make sandbox`
listens on KEKA_SANDBOX_PORT; the deploy files (.env.example, systemd units) match the code."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.processes import free_port, wait_for
from worker.config import ROOT


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


def test_env_example_names_every_setting_the_project_reads() -> None:
    config = (ROOT / "worker" / "config.py").read_text()
    prefixes = "KEKA|WORKER|HITHONIX|PGRST|DATABASE|PG|LOG|GRAPH|CALENDAR|SLACK|OPENAI|GATEKEEPER|NOTIFY"
    read = set(re.findall(rf'"((?:{prefixes})_[A-Z0-9_]*[A-Z0-9])"', config))
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert read and not read - named, f"missing from .env.example: {sorted(read - named)}"


def test_systemd_units_run_the_product_commands() -> None:
    units = {p.name: p for p in (ROOT / "deploy" / "systemd").glob("*.service")}
    assert set(units) == {"hithonix-worker.service", "hithonix-postgrest.service", "hithonix-keka-sandbox.service"}
    for name, path in units.items():
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment,method-assign]
        unit.read(path)
        assert {"Unit", "Service", "Install"} <= set(unit.sections()), name
        assert "EnvironmentFile" in unit["Service"] and unit["Service"].get("User") == "hithonix", name
    assert unit_exec(units["hithonix-worker.service"]).endswith("-m worker worker")
    assert unit_exec(units["hithonix-keka-sandbox.service"]).endswith("-m worker sandbox")
    assert "postgrest.conf" in unit_exec(units["hithonix-postgrest.service"])
    if shutil.which("systemd-analyze"):
        done = subprocess.run(
            ["systemd-analyze", "verify", *map(str, units.values())], capture_output=True, text=True, timeout=60
        )
        problems = [line for line in done.stderr.splitlines() if "is not executable" not in line and line.strip()]
        assert not problems, problems


def unit_exec(path: Path) -> str:
    return next(line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith("ExecStart="))
