"""Growth: the same reads at 1x and 10x ledger size.

A full company at 10x its history does not fit the default run's time budget,
so growth uses its own database: a smaller company (``employees``) whose
history is loaded forward in time through the bulk path. After the first
``days`` days (1x) the status board (hr_admin, the latest weekday), one
employee's month (the latest 30 days) and the reconciliation scan are
measured (reconciliation just before autovacuum and after a VACUUM; the
reads after the VACUUM); then the remaining (factor - 1) x ``days`` days are loaded (10x) and
the same figures are measured again on the new latest dates. Both points keep
the same unsynced backlog, so the reconciliation comparison isolates ledger
size. The outbox is drained between load windows of the 1x size, as a worker
that keeps up would: a pgmq table's pages follow the largest backlog it ever
held (VACUUM cannot give back pages below live messages), and a 10x history
queued at once made the reconciliation's anti-join read 2,077 queue pages for
the same 2,000 live messages that sit in 225 at 1x (EXPLAIN in the run's JSON).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bench import loader, reads, reconcile
from bench.database import GROWTH_DATABASE, BenchDatabase, Server
from bench.generator import Company, build_company, days_between
from bench.pgrest import Session, claims
from bench.timing import Phases


@dataclass
class GrowthPoint:
    days: int
    ledger_events: int
    daily_status_rows: int
    board_date: dt.date
    board: reads.Measured
    month: reads.Measured
    reconcile: reconcile.ReconcileStates
    load_events: int
    load_seconds: float


def last_weekday(days: list[dt.date]) -> dt.date:
    return next(d for d in reversed(days) if d.weekday() < 5)


def _measure(
    db: BenchDatabase, session: Session, company: Company, loaded: list[dt.date], backlog: loader.Backlog, seed: int
) -> tuple[dt.date, reads.Measured, reads.Measured, reconcile.ReconcileStates, int, int]:
    with db.connect() as conn:
        settled = loader.settle_sync_state(conn, backlog, churn=True)
        loader.analyze(conn)
        recon = reconcile.measure_states(conn, settled["delivered_since_vacuum"])
        counts = conn.execute(
            "select (select count(*) from app.attendance_events), (select count(*) from app.daily_status)"
        ).fetchone()
        assert counts
    day = last_weekday(loaded)
    board = reads.board(session, claims("hr_admin", company.hr_admin.id), day, repeat=200)
    month = reads.month(session, company.employees, loaded[-30], loaded[-1], samples=200, seed=seed)
    return day, board, month, recon, counts[0], counts[1]


def run(
    server: Server,
    seed: int,
    employees: int,
    days: int,
    factor: int,
    history_end: dt.date,
    chunk_events: int,
    backlog: loader.Backlog,
    phases: Phases,
) -> tuple[GrowthPoint, GrowthPoint]:
    with phases.track("growth: migrate"):
        db = server.create(GROWTH_DATABASE)
    company = build_company(employees, seed + 1)
    all_days = days_between(history_end - dt.timedelta(days=days * factor - 1), history_end)
    points: list[GrowthPoint] = []
    with db.connect() as conn:
        loader.insert_employees(conn, company.employees)
    session = Session(db.authenticator_url)
    try:
        for loaded_days, new_days in ((all_days[:days], all_days[:days]), (all_days, all_days[days:])):
            label = f"growth: load {len(loaded_days) // days}x"
            with phases.track(label), db.connect() as conn:
                # the (factor - 1)x increment in windows the size of the 1x load, the outbox drained
                # between them: the queue then peaks at the same backlog at both sizes
                timings = loader.load_history(
                    conn,
                    seed + 1,
                    company.employees,
                    new_days,
                    min(chunk_events, len(company.employees) * days * loader.EVENTS_PER_EMPLOYEE_DAY),
                    drain_between=True,
                )
            with phases.track(f"growth: measure {len(loaded_days) // days}x"):
                day, board, month, recon, ledger, statuses = _measure(db, session, company, loaded_days, backlog, seed)
            points.append(
                GrowthPoint(
                    days=len(loaded_days),
                    ledger_events=ledger,
                    daily_status_rows=statuses,
                    board_date=day,
                    board=board,
                    month=month,
                    reconcile=recon,
                    load_events=sum(t.rows for t in timings),
                    load_seconds=sum(t.total_seconds for t in timings),
                )
            )
    finally:
        session.close()
    return points[0], points[1]
