"""``python -m bench.frontdesk``: the front desk's figures (issue 15), one command.

1. Scan -> presence through the PostgREST transaction (beside it, in the same
   run, ``pgbench/punch.sql``: what a plain clock_in/clock_out costs, the floor
   of any scan that punches): pgbench replays
   ``pgbench/badge_scan.sql`` (a kiosk token, the pre-request's device check,
   ``api.badge_scan`` toggling the holder IN/OUT through the ledger, the day's
   step, the outbox, the scan row, NOTIFY presence) with ``--clients`` (4)
   clients; the baseline is ``pgbench/bare_insert.sql`` (a single-row INSERT
   into a bare table) with the same clients in the same run, before and after
   (their mean), exactly as ``bench.transactions`` measures the punch. Target:
   scans/s >= 0.5x the bare INSERT's tx/s.
2. ``api.presence()`` (counts + the first page) as hr_admin at ``--employees``
   (10,000) employees, 60% of them on site with a reader scan each, in 12
   departments; the call as PostgREST makes it (read-only transaction, role and
   claims set), p50/p95 over ``--repeat`` runs. Target: p95 <= 20 ms. Beside it, in the
   same run and alternated call by call, the board as it was before the desk3 change
   (``bench/presence_before.sql``, created in the bench database only): the same-run
   baseline, so a busy machine moves both alike.

Prints both with pass/miss; ``--json`` writes them to bench/results/frontdesk.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import click
import psycopg
from psycopg.types.json import Jsonb

from bench.database import BenchDatabase, server
from bench.leave.__main__ import backend_cpu_ms, p95
from bench.transactions import POLICY, Rate, prepare, run_script
from worker.db.request import start_request, transaction_mode

RESULTS = Path(__file__).resolve().parent / "results"
PRESENCE_BEFORE = Path(__file__).resolve().parent / "presence_before.sql"
TARGET_RATIO = 0.5
TARGET_PRESENCE_P95_MS = 20.0

SEED_READERS = """
insert into app.kiosk_devices (id, name, location, key_hash, key_prefix, created_by)
select ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid, 'bench reader ' || n, 'Gate ' || n,
       encode(sha256(('bench-' || n)::bytea), 'hex'), lpad(to_hex(n), 12, '0'), 'bench'
from generate_series(0, %(readers)s - 1) as n
on conflict do nothing
"""

# the pgbench employees of bench.transactions, each given badge BENCH-<n> (trigger _900_badge_sync)
SEED_BADGES = """
update app.employees set badge_id = 'BENCH-' || substr(id::text, 25)::bigint
where id::text like '00000000-0000-4000-8000-%%' and badge_id is null
"""

SEED_COMPANY = """
insert into app.employees (id, email, full_name, department, role, shift_config)
select md5('bench-presence-' || n)::uuid, 'presence' || n || '@bench.example', 'Presence ' || n,
       'Dept ' || (n %% 12), 'employee', %(policy)s
from generate_series(1, %(employees)s) as n;
insert into app.daily_status (
    employee_id, business_date_ist, current_status, first_clock_in, last_event_at, worked_minutes,
    break_minutes_used, lunch_minutes, event_count, anomalies, is_locked, has_sync_errors, state_since
)
select md5('bench-presence-' || n)::uuid, app.ist_date(now()), 'ON_SHIFT', now() - interval '2 hours',
       now() - interval '2 hours', 0, 0, 0, 1, '{}', false, false, now() - interval '2 hours'
from generate_series(1, %(employees)s) as n
where n %% 10 < 6;
insert into app.badge_scans (device_id, badge_code, employee_id, scanned_at, outcome, event_id)
select ('00000000-0000-4000-9000-' || lpad((n %% %(readers)s)::text, 12, '0'))::uuid, 'P-' || n,
       md5('bench-presence-' || n)::uuid, now() - interval '2 hours', 'IN', n
from generate_series(1, %(employees)s) as n
where n %% 10 < 6;
analyze app.employees;
analyze app.daily_status;
analyze app.badge_scans;
"""


def seed(db: BenchDatabase, clients: int, per_client: int, employees: int) -> None:
    prepare(db, clients, per_client)
    with db.connect() as conn:
        conn.execute(SEED_READERS, {"readers": max(clients, 4)})
        conn.execute(SEED_BADGES.replace("%%", "%"))
        conn.execute("update app.settings set value = '0' where key = 'badge_double_scan_seconds'")
        params = {"employees": employees, "readers": max(clients, 4), "policy": Jsonb(POLICY)}
        for statement in filter(str.strip, SEED_COMPANY.split(";")):
            conn.execute(statement, params if "%(" in statement else None)
        conn.execute(PRESENCE_BEFORE.read_text())


class PresenceTimings:
    """Wall-clock and backend CPU ms of one presence function's calls."""

    def __init__(self) -> None:
        self.runs: list[float] = []
        self.cpu: list[float] = []
        self.on_site = 0


def presence_timings(db: BenchDatabase, repeat: int) -> dict[str, PresenceTimings]:
    """Wall-clock ms of api.presence() as hr_admin, each in PostgREST's read-only transaction, and the
    backend's CPU ms of each (empty for a remote server): on this shared machine the wall clock also
    counts the time the backend waited for a core. Alternated call by call with the baseline
    (app.bench_presence_before(), the board before the desk3 change), whose answer must be the same."""
    with db.connect() as owner:
        hr = owner.execute(
            "insert into app.employees (email, full_name, role) values ('hr@bench.example', 'HR', 'hr_admin')"
            " returning id"
        ).fetchone()[0]
    claims = {"role": "hr_admin", "employee_id": str(hr)}
    calls = {"after": "api.presence()", "before": "app.bench_presence_before()"}
    timings = {name: PresenceTimings() for name in calls}
    bodies: dict[str, dict] = {}
    with psycopg.connect(db.authenticator_url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        for turn in range(2 * repeat):
            name = ("after", "before")[(turn + turn // 2) % 2]  # after, before, before, after, ...
            cpu_before = backend_cpu_ms(pid)
            started = time.perf_counter()
            with conn.transaction():
                conn.execute(f"set transaction {transaction_mode(read_only=True)}")
                start_request(conn, role="hr_admin", claims=claims, method="POST", path="/rpc/presence")
                body = conn.execute(f"select {calls[name]}").fetchone()[0]
            timings[name].runs.append((time.perf_counter() - started) * 1000)
            cpu_after = backend_cpu_ms(pid)
            if cpu_before is not None and cpu_after is not None:
                timings[name].cpu.append(cpu_after - cpu_before)
            timings[name].on_site = body["counts"]["on_site"]
            bodies[name] = {key: value for key, value in body.items() if key != "as_of"}
    if bodies["after"] != bodies["before"]:
        raise SystemExit("api.presence() and the baseline answered differently: the change altered behaviour")
    return timings


@click.command(name="bench.frontdesk", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--clients", type=click.IntRange(1, 16), default=4, show_default=True, help="pgbench clients")
@click.option("--seconds", type=click.IntRange(1), default=15, show_default=True, help="seconds per pgbench run")
@click.option("--employees", type=click.IntRange(10), default=10_000, show_default=True, help="presence board size")
@click.option("--repeat", type=click.IntRange(5), default=40, show_default=True, help="presence runs")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
@click.option("--json", "as_json", is_flag=True, help="also write bench/results/frontdesk.json")
def main(clients: int, seconds: int, employees: int, repeat: int, database_url: str | None, as_json: bool) -> None:
    """Front desk: badge scan tx/s vs a bare INSERT (pgbench), presence board p95."""
    per_client = 50
    with server(database_url) as srv:
        db = srv.create("hithonix_bench_frontdesk")
        seed(db, clients, per_client, employees)
        url = db.authenticator_url

        def one(script: str, per_run: int = 1) -> Rate:
            return run_script(url, script, clients, seconds, per_client, per_run)

        # the punch (clock_in + clock_out, bench.transactions' script) leaves every employee OFF_DUTY
        bare_before, punches = one("bare_insert.sql"), one("punch.sql", 2)
        scans, bare_after = one("badge_scan.sql"), one("bare_insert.sql")
        with db.connect() as conn:
            outcomes = dict(conn.execute("select outcome, count(*) from app.badge_scans group by outcome").fetchall())
        presence = presence_timings(db, repeat)
    runs, cpu, on_site = presence["after"].runs, presence["after"].cpu, presence["after"].on_site
    before = presence["before"]
    baseline = (bare_before.tps + bare_after.tps) / 2
    ratio = scans.tps / baseline if baseline else 0.0
    presence_p95 = p95(runs)
    figures = {
        "clients": clients,
        "seconds": seconds,
        "bare_insert_tps": round(baseline, 1),
        "badge_scan_tps": round(scans.tps, 1),
        "ratio": round(ratio, 3),
        "ratio_target": TARGET_RATIO,
        "punch_tps": round(punches.tps, 1),
        "scan_vs_punch": round(scans.tps / punches.tps, 3) if punches.tps else None,
        "scan_failures": scans.failed + scans.aborted_clients,
        "scan_outcomes": outcomes,
        "presence_employees": employees,
        "presence_on_site": on_site,
        "presence_p50_ms": round(statistics.median(runs), 2),
        "presence_p95_ms": round(presence_p95, 2),
        "presence_target_ms": TARGET_PRESENCE_P95_MS,
        # /proc counts in clock ticks (10 ms): the mean over the runs, not a percentile
        "presence_cpu_mean_ms": round(statistics.mean(cpu), 2) if cpu else None,
        "presence_before_p50_ms": round(statistics.median(before.runs), 2),
        "presence_before_p95_ms": round(p95(before.runs), 2),
        "presence_before_cpu_mean_ms": round(statistics.mean(before.cpu), 2) if before.cpu else None,
        "presence_p95_vs_before": round(presence_p95 / p95(before.runs), 3),
    }
    verdict = {True: "pass", False: "MISS"}
    print(
        f"bare INSERT ({clients} clients): {baseline:,.0f} tx/s "
        f"(mean of {bare_before.tps:,.0f} and {bare_after.tps:,.0f})"
    )
    print(
        f"badge scan through the PostgREST envelope: {scans.tps:,.0f} tx/s = {ratio:.2f}x "
        f"(target >= {TARGET_RATIO}x): {verdict[ratio >= TARGET_RATIO and figures['scan_failures'] == 0]}"
    )
    print(f"  scan outcomes: {outcomes}; pgbench failures: {figures['scan_failures']}")
    print(
        f"  beside it, the plain punch (clock_in/clock_out, same envelope): {punches.tps:,.0f} tx/s "
        f"= {punches.tps / baseline:.2f}x; a scan costs {figures['scan_vs_punch']}x a punch's rate"
    )
    print(
        f"presence board, {employees:,} employees ({on_site:,} on site): p50 {figures['presence_p50_ms']} ms, "
        f"p95 {presence_p95:.2f} ms (target <= {TARGET_PRESENCE_P95_MS} ms): "
        f"{verdict[presence_p95 <= TARGET_PRESENCE_P95_MS]}"
    )
    if cpu:
        print(
            f"  the same, backend CPU time: mean {figures['presence_cpu_mean_ms']} ms per call "
            "(what the call costs; the wall clock also waits for a core on a busy machine)"
        )
    print(
        f"  same-run baseline, the board before the desk3 change (alternated call by call, same answer): "
        f"p50 {figures['presence_before_p50_ms']} ms, p95 {figures['presence_before_p95_ms']} ms, "
        f"CPU mean {figures['presence_before_cpu_mean_ms']} ms; p95 after/before = "
        f"{figures['presence_p95_vs_before']}x"
    )
    if as_json:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "frontdesk.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
