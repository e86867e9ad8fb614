"""One benchmark run, phase by phase; the raw numbers it returns become the figures.

Order (each phase timed): server and main database → employees → history
through the bulk path (the 100,000-event ingest figure, and its COPY
baseline, inside it) → sync state settled, ANALYZE → reconciliation scan →
punch path (today) → reads (today's status board and board export, a month,
the timesheet) → pgbench transaction rates (bench/pgbench/*.sql) → Keka
push → growth database (1x then 10x).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from bench import growth, keka, loader, profile, punch, reads, reconcile, transactions
from bench.database import FLOOR_DATABASE, MAIN_DATABASE, server
from bench.generator import Event, build_company, days_between, window_events
from bench.pgrest import Session, claims, ist_today
from bench.timing import Phases

BACKLOG = loader.Backlog(pending=2000, failed=200)


@dataclass(frozen=True)
class Options:
    scale: int = 2000
    days: int = 90
    seed: int = 6
    database_url: str | None = None
    clients: int = 4
    ingest_events: int = 100_000
    keka_events: int = 10_000
    growth_employees: int | None = None
    growth_factor: int = 10
    pgbench_seconds: int = 10
    chunk_events: int = 100_000

    @property
    def growth_size(self) -> int:
        return self.growth_employees or min(500, max(100, self.scale // 20))


def split_for_ingest(
    seed: int, employees: list[Any], days: list[dt.date], wanted: int
) -> tuple[list[dt.date], list[Event], list[Event]]:
    """(days loaded before, the measured chunk, the rest of its days): the chunk is the newest history."""
    k = min(len(days), math.ceil(wanted / (len(employees) * loader.EVENTS_PER_EMPLOYEE_DAY)) + 1)
    while True:
        events = list(window_events(seed, employees, days[-k:]))
        if len(events) >= wanted or k == len(days):
            return days[:-k], events[:wanted], events[wanted:]
        k = min(len(days), k + 2)


def execute(o: Options, console: Console, phases: Phases) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    today = ist_today()
    history_end = today - dt.timedelta(days=2)  # every punch, night shifts included, is in the past
    days = days_between(history_end - dt.timedelta(days=o.days - 1), history_end)
    clock = time.perf_counter()

    def say(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - clock:6.1f} s[/]  {message}", highlight=False)

    with server(o.database_url) as srv:
        raw["server"] = srv.description
        raw["postgres"] = srv.facts()
        with phases.track("main: create and migrate"):
            db = srv.create(MAIN_DATABASE)
        company = build_company(o.scale, o.seed)
        raw["company"] = {
            "employees": len(company.employees),
            "approvers": len(company.by_role("approver")),
            "hr_admins": len(company.by_role("hr_admin")),
            "approver_chain": company.approver_chain,
            "history_days": o.days,
            "history": [days[0], days[-1]],
        }
        with phases.track("main: employees"), db.connect() as conn:
            loader.insert_employees(conn, company.employees)
        say(f"{len(company.employees)} employees; loading {o.days} days of history through the bulk path")

        before, chunk, rest = split_for_ingest(o.seed, company.employees, days, o.ingest_events)
        with phases.track("main: history load (bulk path)"), db.connect() as conn:
            timings = loader.load_history(conn, o.seed, company.employees, before, o.chunk_events)
        raw["history_load"] = {
            "events": sum(t.rows for t in timings),
            "seconds": sum(t.total_seconds for t in timings),
            "chunks": [{"rows": t.rows, "arrays_s": t.arrays_seconds, "insert_s": t.insert_seconds} for t in timings],
        }
        say(f"history: {raw['history_load']['events']:,} events in {raw['history_load']['seconds']:.1f} s")

        with phases.track("main: ingest figure"), db.connect() as conn:
            copies = [loader.copy_baseline(conn, chunk) for _ in range(3)]
            measured = loader.bulk_ingest(conn, chunk)
            plan, costs = profile.ingest(conn, rest) if rest else ("(no rows left to explain)", [])
            ledger = conn.execute("select count(*) from app.attendance_events").fetchone()
        raw["ingest"] = {
            "rows": measured.rows,
            "arrays_built_s": measured.arrays_seconds,
            "insert_select_s": measured.insert_seconds,
            "total_s": measured.total_seconds,
            "baseline_copy_s": statistics.median(copies),
            "baseline_copy_runs_s": copies,
            "ledger_before": raw["history_load"]["events"],
            "explained_rows": len(rest),
            "explain": plan,
            "function_costs_per_row": costs,
        }
        copy_s = raw["ingest"]["baseline_copy_s"]
        say(f"ingest: {measured.rows:,} events in {measured.total_seconds:.2f} s (COPY {copy_s:.2f} s)")

        with phases.track("main: settle sync state, ANALYZE"), db.connect() as conn:
            raw["settled"] = loader.settle_sync_state(conn, BACKLOG, churn=True)
            loader.analyze(conn)
        raw["ledger_events"] = ledger[0] if ledger else 0

        with phases.track("main: reconciliation (+ VACUUM)"), db.connect() as conn:
            raw["reconcile_main"] = reconcile.measure_states(conn, raw["settled"]["delivered_since_vacuum"])

        reserve = max(4, min(50, o.scale // 20))  # kept out of the measured punches, for the profile
        punchers = company.employees[:-reserve]
        say(f"punch path: {len(punchers) - o.clients} employees x (clock_in, clock_out), {o.clients} clients")
        with phases.track("main: punch path"):
            raw["punch"] = punch.run(db, punchers, o.clients)
        with phases.track("main: punch profile"):
            raw["punch_profile"] = profile.punch(db, company.employees[-reserve:])

        say("reads: status board, a month, the timesheet")
        month_days = days[-30:]
        session = Session(db.authenticator_url)
        try:
            with phases.track("main: reads"):
                hr = claims("hr_admin", company.hr_admin.id)
                # the board on the history's latest weekday: a whole company's day with its exceptions
                # (today holds only the benchmark's own clean punch pairs, and how many of them need
                # attention depends on the hour the run starts)
                board_day = growth.last_weekday(days)
                raw["status_board_day"] = board_day.isoformat()
                raw["status_board_hr"] = reads.status_board(session, hr, board_day, repeat=100)
                raw["status_board_approver"] = reads.status_board(
                    session, claims("approver", company.approver.id), board_day, repeat=100
                )
                raw["board_hr"] = reads.board(session, hr, today, repeat=30)
                with db.connect() as owner:
                    raw["board_bare"] = reads.bare_board(owner, session, hr, today, repeat=30)
                raw["board_approver"] = reads.board(session, claims("approver", company.approver.id), today, repeat=100)
                raw["month"] = reads.month(session, company.employees, month_days[0], month_days[-1], 300, o.seed)
                raw["timesheet"] = reads.timesheet(session, hr, month_days[0], month_days[-1], repeat=7)
                raw["reads_dates"] = {"board": today, "month": [month_days[0], month_days[-1]]}
        finally:
            session.close()

        say(f"pgbench: bare INSERT, envelope + INSERT, punch in PostgREST 12's shape; {o.clients} clients")
        with phases.track("main: pgbench transaction rates"):
            raw["pgbench"] = transactions.run(db, o.clients, o.pgbench_seconds)
        say("pgbench: the punch's floor (the issue's prototype on today's tables), a database of its own")
        with phases.track("main: pgbench punch floor"):
            raw["pgbench_floor"] = transactions.floors(srv.create(FLOOR_DATABASE), o.clients, o.pgbench_seconds)

        say(f"Keka push: {o.keka_events:,} events through Pusher → sandbox")
        staff = company.by_role("employee")
        with phases.track("main: Keka push"):
            raw["keka"] = keka.run(db, staff, days[0], o.keka_events)

        raw["growth_employees"] = o.growth_size
        say(f"growth: {o.growth_size} employees, {o.days} → {o.days * o.growth_factor} days")
        raw["growth"] = growth.run(
            srv,
            o.seed,
            o.growth_size,
            o.days,
            o.growth_factor,
            history_end,
            o.chunk_events,
            BACKLOG,
            phases,
        )
        with phases.track("teardown"):
            srv.drop_all()
    return raw
