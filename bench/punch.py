"""The punch path: api.clock_in / api.clock_out through PostgREST's transaction.

Four clients (threads), each with its own persistent ``authenticator``
connection and a disjoint slice of employees: every employee clocks in (the
morning rush), then every employee clocks out, as themselves, occurred_at =
now(). The baseline is a plain single-row INSERT into a bare table in its own
transaction, same clients, same connections, same number of transactions,
measured before and after the punch run (their mean is the baseline).
For the diagnosis, the same transaction around ``select 1`` (the envelope:
what PostgREST's request costs before the punch does anything) is measured too.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from bench.database import BenchDatabase
from bench.generator import Employee
from bench.pgrest import Session, claims
from bench.timing import Latency


@dataclass
class Run:
    transactions: int
    seconds: float
    latency: Latency
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def tps(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


Work = Callable[[Session, Employee, int], None]


def _run(sessions: Sequence[Session], slices: Sequence[Sequence[Employee]], passes: int, work: Work) -> Run:
    barrier = threading.Barrier(len(sessions) + 1)
    latencies: list[list[float]] = [[] for _ in sessions]
    errors: list[Counter[str]] = [Counter() for _ in sessions]

    def client(i: int) -> None:
        barrier.wait()
        for step in range(passes):
            for employee in slices[i]:
                started = time.perf_counter()
                try:
                    work(sessions[i], employee, step)
                except psycopg.Error as exc:
                    errors[i][f"{exc.sqlstate} {exc.diag.message_primary}"] += 1
                latencies[i].append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(i,), name=f"bench-client-{i}") for i in range(len(sessions))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    merged = [s for per_client in latencies for s in per_client]
    total_errors = sum(errors, Counter())
    return Run(len(merged), seconds, Latency.of(merged), dict(total_errors))


def _punch(session: Session, employee: Employee, step: int) -> None:
    who = claims("employee", employee.id)
    if step == 0:
        session.clock_in(who)
    else:
        session.clock_out(who)


def _envelope(session: Session, employee: Employee, step: int) -> None:
    """PostgREST's transaction around a call that does nothing: the floor under any punch."""
    session.request("POST", "/rpc/noop", claims("employee", employee.id), "select 1", read_only=False)


def _plain_insert(session: Session, employee: Employee, step: int) -> None:
    conn = session.conn
    conn.execute("begin isolation level read committed, read write")
    conn.execute(
        "insert into bench.punch_baseline (employee_id, event_type, occurred_at) values (%s, %s, now())",
        [employee.id, "CLOCK_IN" if step == 0 else "CLOCK_OUT"],
    )
    conn.execute("commit")


@dataclass
class PunchResult:
    clients: int
    employees: int
    punch: Run
    baseline_before: Run
    baseline_after: Run
    envelope: Run

    @property
    def baseline_tps(self) -> float:
        return (self.baseline_before.tps + self.baseline_after.tps) / 2


def prepare_baseline_table(db: BenchDatabase) -> None:
    with db.connect() as conn:
        conn.execute("create schema if not exists bench")
        conn.execute(
            "create table if not exists bench.punch_baseline "
            "(employee_id uuid, event_type text, occurred_at timestamptz)"
        )
        conn.execute("grant usage on schema bench to authenticator")
        conn.execute("grant insert on bench.punch_baseline to authenticator")


def run(db: BenchDatabase, employees: Sequence[Employee], clients: int = 4) -> PunchResult:
    """Each employee clocks in once and out once today (the first ``clients`` only warm up).

    ``employees`` must be ACTIVE and must not have punched today.
    """
    prepare_baseline_table(db)
    warm = [[e] for e in employees[:clients]]  # warm-up only: not measured
    measured = employees[clients:]
    slices = [measured[i::clients] for i in range(clients)]
    sessions = [Session(db.authenticator_url) for _ in range(clients)]
    try:
        _run(sessions, warm, 2, _plain_insert)
        _run(sessions, warm, 2, _punch)  # plpgsql compiled, plans cached, on every connection
        before = _run(sessions, slices, 2, _plain_insert)
        punch = _run(sessions, slices, 2, _punch)
        after = _run(sessions, slices, 2, _plain_insert)
        envelope = _run(sessions, slices, 2, _envelope)
    finally:
        for s in sessions:
            s.close()
    return PunchResult(clients, len(measured), punch, before, after, envelope)
