"""``make run``: the whole product on one machine.

Starts the embedded cluster (unless DATABASE_URL names a server), applies the
migrations, starts the Keka sandbox and the worker pointed at it, the Graph
sandbox and the calendar worker pointed at it, and — when the binary is on
PATH — PostgREST. Ctrl-C stops what it started.

When a child dies: the worker is restarted (it is built to be: a job it held
is retried), at most WORKER_RESTARTS times a minute; when the sandbox or
PostgREST dies, or the worker keeps dying, everything is stopped with a
message naming the child and its exit code, and `make run` exits 1.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

from worker.config import (
    ROOT,
    GraphSandboxSettings,
    GraphSettings,
    KekaSettings,
    SandboxSettings,
    authenticator_url,
    child_environment,
    database_url,
    jwt_secret,
    target_is_embedded,
)
from worker.db.cluster import Cluster
from worker.db.migrate import Migrator
from worker.devtools.graph_sandbox import graph_settings
from worker.devtools.keka_sandbox import keka_settings

SEED_EMPLOYEES = 25  # what `make run` starts the sandbox with unless KEKA_SANDBOX_SEED_EMPLOYEES says
WORKER_RESTARTS = 5  # per RESTART_WINDOW_SECONDS before `make run` gives up
RESTART_WINDOW_SECONDS = 60.0


def sandbox_settings(url: str) -> dict[str, str]:
    """KEKA_* for the local sandbox, unless the environment already names a Keka."""
    return {**keka_settings(url).connection_env(), **KekaSettings.connection_env_given()}


def _start_announcing(args: list[str], ready: str, what: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Start a sandbox process and wait for its ``<READY> field…`` line; returns the process and the fields."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout
    line = proc.stdout.readline().strip()
    if not line.startswith(f"{ready} "):
        proc.kill()
        raise RuntimeError(f"the {what} did not start: {line!r}")
    return proc, line.split(" ")[1:]


def start_sandbox(port: int, seed: int = 0) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "worker.devtools.keka_sandbox", "--port", str(port)]
    if seed:
        args += ["--seed-employees", str(seed)]
    proc, (url,) = _start_announcing(args, "KEKA_SANDBOX_READY", "Keka sandbox")
    return proc, url


def graph_sandbox_settings(url: str, ca_bundle: str) -> dict[str, str]:
    """GRAPH_* for the local Graph sandbox, unless the environment already names a tenant."""
    return {**graph_settings(url, ca_bundle).connection_env(), **GraphSettings.connection_env_given()}


def start_graph_sandbox(port: int) -> tuple[subprocess.Popen[str], str, str]:
    args = [sys.executable, "-m", "worker.devtools.graph_sandbox", "--port", str(port)]
    proc, (url, ca_bundle) = _start_announcing(args, "GRAPH_SANDBOX_READY", "Graph sandbox")
    return proc, url, ca_bundle


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)  # stop the children on SIGTERM as on Ctrl-C
    if target_is_embedded():
        Cluster().start()
    done, _ = Migrator(database_url()).migrate()
    print(f"database ready: {database_url()} ({len(done)} migrations applied)")
    children: dict[str, subprocess.Popen[str]] = {}
    sandbox_config = SandboxSettings()
    seed = SEED_EMPLOYEES if sandbox_config.seed_employees is None else sandbox_config.seed_employees
    sandbox, url = start_sandbox(sandbox_config.port, seed)
    children["Keka sandbox"] = sandbox
    print(f"Keka sandbox: {url}  (punches: {url}/_sandbox/logs)")
    env = child_environment(**sandbox_settings(url), DATABASE_URL=database_url())

    def start_worker() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "worker", "worker"], env=env, text=True)

    children["worker"] = start_worker()
    print("worker: started (JSON logs below; metrics on :{}/metrics)".format(env.get("WORKER_METRICS_PORT", "9108")))
    graph, graph_url, ca_bundle = start_graph_sandbox(GraphSandboxSettings().port)
    children["Graph sandbox"] = graph
    print(f"Graph sandbox: {graph_url}  (events: {graph_url}/_sandbox/events, CA: {ca_bundle})")
    calendar_env = child_environment(**graph_sandbox_settings(graph_url, ca_bundle), DATABASE_URL=database_url())
    children["calendar worker"] = subprocess.Popen(
        [sys.executable, "-m", "worker", "calendar-worker"], env=calendar_env, text=True
    )
    print("calendar worker: started (metrics on :{}/metrics)".format(calendar_env.get("CALENDAR_METRICS_PORT", "9109")))
    postgrest = shutil.which("postgrest")
    if postgrest:
        api_env = child_environment(PGRST_DB_URI=authenticator_url(), PGRST_JWT_SECRET=jwt_secret())
        children["PostgREST"] = subprocess.Popen([postgrest, str(ROOT / "postgrest.conf")], env=api_env, text=True)
        print("PostgREST: http://127.0.0.1:3000")
    else:
        print("PostgREST: not on PATH, not started (see README, 'Running PostgREST')")
    restarts: list[float] = []
    try:
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is None:
                    continue
                now = time.monotonic()
                restarts[:] = [t for t in restarts if now - t < RESTART_WINDOW_SECONDS]
                if name == "worker" and len(restarts) < WORKER_RESTARTS:
                    restarts.append(now)
                    print(
                        f"make run: the worker exited with code {code}; restarting it"
                        f" ({len(restarts)}/{WORKER_RESTARTS} this minute)",
                        file=sys.stderr,
                        flush=True,
                    )
                    children["worker"] = start_worker()
                    break
                why = "keeps dying" if name == "worker" else "exited"
                print(
                    f"make run: the {name} {why} (exit code {code}); stopping everything."
                    " Fix the cause (its output is above) and run `make run` again.",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
