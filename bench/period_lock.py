"""``python -m bench.period_lock``: what the payroll period lock costs the punch path.

Issue 14, part 6 guards the ledger and daily_status with triggers (the
ledger's: step 2 of its ``_020_new_rows``, which a statement of stored live
steps skips, so it is left enabled here; ``_050_period_lock_ins`` /
``_del`` on ``app.daily_status``, statement-level; ``_050_period_lock_upd``,
row-level since issue 11's second pass): every punch runs the ledger's and the
day update's. pgbench replays PostgREST's
clock_in + clock_out transactions (``pgbench/punch.sql``, ``-M prepared``, 4
clients) on one database in three states, alternated round by round: the
guards disabled (``alter table … disable trigger``), enabled with no lock
active (the usual case: one look at a tiny table, then return), and enabled
with an active lock on a period the punches do not touch (the guard joins the
statement's rows with the active locks). The figures are the punch rates of
the last two as ratios of the first (medians), and, robust to a busy shared
machine, the guards' share of a punch's server time in the two enabled states
(``track_functions`` over one more pgbench run each: the guard trigger
functions' total time per punch against ``app.record_punch``'s, which
contains them). Last, the bulk path: ``app.import_events_v1`` of the same
history (``--bulk-employees`` x ``--bulk-days`` x 2 events, new employees each
time) in the three states, alternated, median seconds and ratios: the guards
run once per statement, whatever its size.
"""

from __future__ import annotations

import statistics
import time

import click

from bench.database import BenchDatabase, server
from bench.transactions import prepare, run_script

TRIGGERS = {
    "app.daily_status": ("_050_period_lock_ins", "_050_period_lock_upd", "_050_period_lock_del"),
}
STATES = ("disabled", "no lock", "lock elsewhere")


GUARDS = ("tg_period_lock__new_rows", "tg_period_lock__old_rows", "tg_daily_status__period_lock_update")
PROFILE = """
select f.funcname, f.calls, f.total_time
from pg_stat_user_functions as f
where f.schemaname = 'app' and f.funcname = any(%s)
"""


def _profile(db: BenchDatabase, clients: int, seconds: int, per_client: int) -> tuple[float, float]:
    """Server time per punch (ms) and the guards' part of it, over one pgbench run."""
    with db.connect() as conn:
        conn.execute(f"alter database \"{db.name}\" set track_functions = 'all'")
        conn.execute("select pg_stat_reset()")
    rate = run_script(db.authenticator_url, "punch.sql", clients, seconds, per_client, 2)
    if not rate.ok:
        raise click.ClickException(f"pgbench reported failures:\n{rate.output}")
    time.sleep(1)  # statistics are flushed when the sessions end
    with db.connect() as conn:
        rows = {name: (calls, total) for name, calls, total in conn.execute(PROFILE, [["record_punch", *GUARDS]])}
        conn.execute(f'alter database "{db.name}" reset track_functions')
    punches = rows.get("record_punch", (0, 0.0))[0] or 1
    punch_ms = rows.get("record_punch", (0, 0.0))[1] / punches
    guard_ms = sum(total for name, (_, total) in rows.items() if name != "record_punch") / punches
    return punch_ms, guard_ms


BULK_EMPLOYEES = """
insert into app.employees (email, full_name, role, shift_config)
select 'bulk-' || %(tag)s || '-' || n || '@example.com', 'bulk ' || n, 'employee', '{"shift_type": "GENERAL"}'
from generate_series(1, %(employees)s) as n
returning id
"""
BULK_INGEST = """
select count(*) from app.import_events_v1(
    (select array_agg(e order by e, d, k) from unnest(%(ids)s::uuid[]) as e, generate_series(1, %(days)s) as d,
        generate_series(0, 1) as k),
    (select array_agg(case k when 0 then 'CLOCK_IN' else 'CLOCK_OUT' end::app.event_type order by e, d, k)
     from unnest(%(ids)s::uuid[]) as e, generate_series(1, %(days)s) as d, generate_series(0, 1) as k),
    (select array_agg(
        ((date '2026-06-01' + d) + case k when 0 then time '10:00' else time '19:30' end) at time zone 'Asia/Kolkata'
        order by e, d, k)
     from unnest(%(ids)s::uuid[]) as e, generate_series(1, %(days)s) as d, generate_series(0, 1) as k),
    'bench.period_lock'
)
"""


def _bulk_seconds(db: BenchDatabase, tag: str, employees: int, days: int) -> float:
    """One import of employees x days x 2 events for new employees (server work, owner)."""
    with db.connect() as conn:
        ids = [row[0] for row in conn.execute(BULK_EMPLOYEES, {"tag": tag, "employees": employees}).fetchall()]
        started = time.perf_counter()
        conn.execute(BULK_INGEST, {"ids": ids, "days": days})
        return time.perf_counter() - started


def _set_state(db: BenchDatabase, state: str) -> None:
    verb = "disable" if state == "disabled" else "enable"
    with db.connect() as conn:
        for table, names in TRIGGERS.items():
            for name in names:
                conn.execute(f"alter table {table} {verb} trigger {name}")
        conn.execute(
            "update app.period_locks set reopened_at = now(), reopened_by = 'bench', reopen_reason = 'bench'"
            " where reopened_at is null"
        )
        if state == "lock elsewhere":
            conn.execute(
                "insert into app.period_locks (date_from, date_to, reason, locked_by)"
                " values ('2001-01-01', '2001-01-31', 'bench: a closed period the punches never touch', 'bench')"
            )


@click.command(name="bench-period-lock")
@click.option("--clients", default=4, show_default=True)
@click.option("--seconds", default=10, show_default=True, help="per measurement")
@click.option("--rounds", default=3, show_default=True, help="alternations of the three states")
@click.option("--bulk-employees", default=100, show_default=True)
@click.option("--bulk-days", default=100, show_default=True, help="2 events a day: 20,000 events by default")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(
    clients: int, seconds: int, rounds: int, bulk_employees: int, bulk_days: int, database_url: str | None
) -> None:
    per_client = 50
    with server(database_url) as srv:
        db = srv.create("hithonix_bench_period_lock")
        prepare(db, clients, per_client)
        rates: dict[str, list[float]] = {state: [] for state in STATES}
        for _ in range(rounds):
            for state in STATES:
                _set_state(db, state)
                rate = run_script(db.authenticator_url, "punch.sql", clients, seconds, per_client, 2)
                if not rate.ok:
                    raise click.ClickException(f"pgbench reported failures:\n{rate.output}")
                rates[state].append(rate.tps)
        shares: dict[str, tuple[float, float]] = {}
        for state in STATES[1:]:
            _set_state(db, state)
            shares[state] = _profile(db, clients, seconds, per_client)
        bulk: dict[str, list[float]] = {state: [] for state in STATES}
        for round_no in range(rounds):
            for state in STATES:
                _set_state(db, state)
                bulk[state].append(_bulk_seconds(db, f"{round_no}-{STATES.index(state)}", bulk_employees, bulk_days))
        _set_state(db, "no lock")
    base = statistics.median(rates["disabled"])
    for state in STATES:
        median = statistics.median(rates[state])
        click.echo(
            f"punches/s, guards {state:<15} {median:7.0f}  ratio {median / base:.3f}"
            f"  (runs {[round(r) for r in rates[state]]})"
        )
    for state, (punch_ms, guard_ms) in shares.items():
        click.echo(
            f"server time per punch, {state:<15} {punch_ms:.3f} ms; the guards {guard_ms * 1000:.1f} us"
            f" ({100 * guard_ms / punch_ms:.1f}%)"
        )
    bulk_base = statistics.median(bulk["disabled"])
    for state in STATES:
        median = statistics.median(bulk[state])
        click.echo(
            f"bulk ingest of {bulk_employees * bulk_days * 2} events, guards {state:<15} {median:6.2f} s"
            f"  ratio {median / bulk_base:.3f}  (runs {[round(x, 2) for x in bulk[state]]})"
        )


if __name__ == "__main__":
    main()
