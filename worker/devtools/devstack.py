"""``make run``: the whole product on one machine.

Starts the embedded cluster (unless DATABASE_URL names a server), applies the
migrations, starts the Keka sandbox, the worker pointed at it and — when the
binary is on PATH — PostgREST. Ctrl-C stops what it started.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

from worker.config import (
    ROOT,
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
from worker.devtools.keka_sandbox import keka_settings

SEED_EMPLOYEES = 25  # what `make run` starts the sandbox with unless KEKA_SANDBOX_SEED_EMPLOYEES says


def sandbox_settings(url: str) -> dict[str, str]:
    """KEKA_* for the local sandbox, unless the environment already names a Keka."""
    return {**keka_settings(url).connection_env(), **KekaSettings.connection_env_given()}


def start_sandbox(port: int, seed: int = 0) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "worker.devtools.keka_sandbox", "--port", str(port)]
    if seed:
        args += ["--seed-employees", str(seed)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout
    line = proc.stdout.readline().strip()
    if not line.startswith("KEKA_SANDBOX_READY "):
        proc.kill()
        raise RuntimeError(f"the Keka sandbox did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)  # stop the children on SIGTERM as on Ctrl-C
    if target_is_embedded():
        Cluster().start()
    done, _ = Migrator(database_url()).migrate()
    print(f"database ready: {database_url()} ({len(done)} migrations applied)")
    children: list[subprocess.Popen[str]] = []
    sandbox_config = SandboxSettings()
    seed = SEED_EMPLOYEES if sandbox_config.seed_employees is None else sandbox_config.seed_employees
    sandbox, url = start_sandbox(sandbox_config.port, seed)
    children.append(sandbox)
    print(f"Keka sandbox: {url}  (punches: {url}/_sandbox/logs)")
    env = child_environment(**sandbox_settings(url), DATABASE_URL=database_url())
    children.append(subprocess.Popen([sys.executable, "-m", "worker", "worker"], env=env, text=True))
    print("worker: started (JSON logs below; metrics on :{}/metrics)".format(env.get("WORKER_METRICS_PORT", "9108")))
    postgrest = shutil.which("postgrest")
    if postgrest:
        api_env = child_environment(PGRST_DB_URI=authenticator_url(), PGRST_JWT_SECRET=jwt_secret())
        children.append(subprocess.Popen([postgrest, str(ROOT / "postgrest.conf")], env=api_env, text=True))
        print("PostgREST: http://127.0.0.1:3000")
    else:
        print("PostgREST: not on PATH, not started (see README, 'Running PostgREST')")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
