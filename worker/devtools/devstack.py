"""``make run``: the whole product on one machine.

Starts the embedded cluster (unless DATABASE_URL names a server), applies the
migrations, starts the Keka sandbox, the worker pointed at it and — when the
binary is on PATH — PostgREST. Ctrl-C stops what it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from worker.config import ROOT, KekaSettings, authenticator_url, database_url, jwt_secret
from worker.db.cluster import Cluster
from worker.db.migrate import Migrator

SANDBOX_PORT = int(os.environ.get("KEKA_SANDBOX_PORT", "8765"))


def sandbox_settings(url: str) -> dict[str, str]:
    """KEKA_* for the local sandbox, unless the environment already names a Keka."""
    defaults = KekaSettings.for_sandbox(url).connection_env()
    return {k: os.environ.get(k, v) for k, v in defaults.items()}


def start_sandbox(port: int = SANDBOX_PORT, seed: int = 0) -> tuple[subprocess.Popen[str], str]:
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
    if not os.environ.get("DATABASE_URL"):
        Cluster().start()
    done, _ = Migrator(database_url()).migrate()
    print(f"database ready: {database_url()} ({len(done)} migrations applied)")
    children: list[subprocess.Popen[str]] = []
    sandbox, url = start_sandbox(seed=int(os.environ.get("KEKA_SANDBOX_SEED_EMPLOYEES", "25")))
    children.append(sandbox)
    print(f"Keka sandbox: {url}  (punches: {url}/_sandbox/logs)")
    env = {**os.environ, **sandbox_settings(url), "DATABASE_URL": database_url()}
    children.append(subprocess.Popen([sys.executable, "-m", "worker", "worker"], env=env, text=True))
    print("worker: started (JSON logs below; metrics on :{}/metrics)".format(env.get("WORKER_METRICS_PORT", "9108")))
    postgrest = shutil.which("postgrest")
    if postgrest:
        api_env = {**os.environ, "PGRST_DB_URI": authenticator_url(), "PGRST_JWT_SECRET": jwt_secret()}
        children.append(subprocess.Popen([postgrest, str(ROOT / "postgrest.conf")], env=api_env, text=True))
        print("PostgREST: http://127.0.0.1:3000")
    else:
        print("PostgREST: not on PATH, not started (see README, 'Running PostgREST')")
    try:
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for c in children:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
        for c in children:
            try:
                c.wait(10)
            except subprocess.TimeoutExpired:
                c.kill()
