"""Commit → Keka acknowledgement latency of the worker's push lane (issue 19).

``python -m bench.latency`` (also the last step of ``make bench``): a migrated
throwaway database, the Keka sandbox on loopback, and the real worker process
(``python -m worker worker``, default settings: LISTEN/NOTIFY lane, periodic
safety-net drain every WORKER_PUSH_INTERVAL_SECONDS). Punches are committed one
at a time at a steady pace; each one's latency is the ledger's ``synced_at``
(written after Keka answered 200) minus the wall-clock time its commit returned.
The baseline, measured in the same run: one POST /v1/logs of one punch to the
same sandbox with the product's client (the floor no delivery can beat).
Target (issue 19): p95 < 1 s outside faults.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

import click
import httpx
import psycopg
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from bench.database import free_port, server
from worker.devtools.keka_sandbox import KekaSandbox, keka_settings
from worker.keka.client import KekaLogsClient, LogItem

DATABASE = "hithonix_bench_latency"
TARGET_P95_SECONDS = 1.0


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def start_worker(db_url: str, sandbox_url: str, metrics_port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KEKA_", "WORKER_", "DATABASE_URL"))},
        **keka_settings(sandbox_url).connection_env(),
        "DATABASE_URL": db_url,
        "WORKER_METRICS_PORT": str(metrics_port),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=1)
            return worker
        except httpx.HTTPError:
            time.sleep(0.2)
    worker.kill()
    raise RuntimeError("the worker did not start")


def baseline_round_trips(sandbox_url: str, count: int) -> list[float]:
    settings = keka_settings(sandbox_url)
    seconds = []
    with KekaLogsClient(sandbox_url, settings.ingestion_key, 10) as client:
        for n in range(count):
            item = LogItem(settings.device_identifier, "BASELINE", dt.datetime(2020, 1, 1) + dt.timedelta(minutes=n), 0)
            started = time.perf_counter()
            result = client.post_logs([item])
            seconds.append(time.perf_counter() - started)
            assert result.kind == "ok", result
    return seconds


def measure(owner_url: str, punches: int, pace: float) -> list[float]:
    """Commit ``punches`` punches ``pace`` seconds apart; commit→synced seconds for each."""
    committed: dict[int, float] = {}
    with psycopg.connect(owner_url, autocommit=True) as conn:
        people = [
            conn.execute(
                "insert into app.employees (email, full_name, role, shift_config, attendance_number, badge_id)"
                " values (%s, %s, 'employee', %s, %s, %s) returning id",
                [f"lat{n}@example.com", f"lat{n}", Jsonb({"shift_type": "GENERAL"}), f"L{n:04d}", f"BL{n}"],
            ).fetchone()[0]  # type: ignore[index]
            for n in range(max(1, punches // 2))
        ]
        for n in range(punches):
            who, kind = people[n // 2], ("CLOCK_IN", "CLOCK_OUT")[n % 2]
            row = conn.execute(
                "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
                " values (%s, %s, now() - interval '1 hour' + make_interval(mins => %s), 'import', 'bench')"
                " returning id",
                [who, kind, n % 2 * 30],
            ).fetchone()
            committed[row[0]] = time.time()  # type: ignore[index]
            time.sleep(pace)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = conn.execute(
                "select id, extract(epoch from synced_at)::float8 from app.attendance_events"
                " where sync_status = 'SUCCESS' and id = any(%s)",
                [list(committed)],
            ).fetchall()
            if len(done) == len(committed):
                return [synced - committed[event_id] for event_id, synced in done]
            time.sleep(0.2)
    raise RuntimeError(f"only {len(done)} of {len(committed)} punches reached Keka within a minute")


@click.command(name="bench-latency", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--punches", type=click.IntRange(10, 10_000), default=200, show_default=True)
@click.option("--pace", type=float, default=0.1, show_default=True, help="seconds between commits")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(punches: int, pace: float, database_url: str | None) -> None:
    """Commit → Keka-acknowledged latency, p50/p95, against the Keka sandbox."""
    console = Console()
    with server(database_url) as where, KekaSandbox("127.0.0.1", 0) as sandbox:
        db = where.create(DATABASE)
        worker = start_worker(db.owner_url, sandbox.url, free_port())
        try:
            latencies = measure(db.owner_url, punches, pace)
        finally:
            worker.terminate()
            worker.wait(30)
        floor = baseline_round_trips(sandbox.url, 50)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    b50 = statistics.median(floor)
    table = Table("figure", "p50", "p95", "max", "x baseline p50", title=f"commit → Keka ack ({where.description})")
    table.add_row(
        f"push lane, {punches} punches {pace} s apart",
        f"{p50 * 1000:.0f} ms",
        f"{p95 * 1000:.0f} ms",
        f"{max(latencies) * 1000:.0f} ms",
        f"{p50 / b50:.1f}x / {p95 / b50:.1f}x",
    )
    table.add_row(
        "baseline: one POST /v1/logs (1 punch)",
        f"{b50 * 1000:.1f} ms",
        f"{percentile(floor, 0.95) * 1000:.1f} ms",
        f"{max(floor) * 1000:.1f} ms",
        "1.0x",
    )
    console.print(table)
    verdict = "meets" if p95 < TARGET_P95_SECONDS else "MISSES"
    console.print(f"p95 {p95 * 1000:.0f} ms {verdict} the target p95 < {TARGET_P95_SECONDS * 1000:.0f} ms")


if __name__ == "__main__":
    main()
