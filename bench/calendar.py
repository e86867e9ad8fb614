"""``python -m bench.calendar``: the calendar lane's drain against the Graph sandbox.

Seeds ``--leaves`` employees under one manager, each with one day of approved
unpaid leave (requested and approved through the API exactly as PostgREST runs
it, so the approval's transaction fills the calendar_sync outbox), then drains
the queue with the real ``CalendarSync`` and ``GraphCalendarClient`` (msal token,
httpx over HTTPS), as ``hithonix_worker``, against a ``GraphSandbox`` on a free
loopback port. Baseline, same run: the sandbox alone — the same number of event
POSTs on one httpx client with one token, no database. Figures: events/s of
each and their ratio (what the worker's reads, leases and recording cost).
"""

from __future__ import annotations

import datetime as dt
import ssl
import time
import uuid

import click
import httpx
import psycopg
from rich.console import Console
from rich.table import Table

from bench.database import server
from bench.keka import quiet_worker_logs
from worker.devtools.graph_sandbox import GraphSandbox
from worker.devtools.pgrest import PostgrestEmulator
from worker.graph.client import GraphCalendarClient, LeaveEvent
from worker.graph.sync import CalendarSync


def seed(owner: psycopg.Connection, api: PostgrestEmulator, leaves: int) -> None:
    manager = owner.execute(
        "insert into app.employees (email, full_name, role) values ('boss@bench.example', 'Boss', 'approver')"
        " returning id"
    ).fetchone()[0]  # type: ignore[index]
    staff = owner.execute(
        "insert into app.employees (email, full_name, manager_employee_id)"
        " select format('e%%s@bench.example', n), format('Employee %%s', n), %s from generate_series(1, %s) as n"
        " returning id",
        [manager, leaves],
    ).fetchall()
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    boss = {"role": "approver", "employee_id": str(manager), "sub": "boss"}
    for (employee_id,) in staff:
        who = {"role": "employee", "employee_id": str(employee_id), "sub": str(employee_id)[:8]}
        body = {
            "policy_code": "UNPAID",
            "start_date": monday.isoformat(),
            "end_date": monday.isoformat(),
            "reason": "bench",
        }
        request_id = api.rpc("request_leave", body, claims=who).body["id"]
        api.rpc("approve_leave", {"leave_request_id": request_id, "reason": "approved"}, claims=boss)


def sandbox_alone(graph: GraphSandbox, count: int) -> float:
    """Seconds for ``count`` event POSTs straight to the sandbox (one client, one token)."""
    settings = graph.graph_settings()
    with GraphCalendarClient(settings) as client:
        token = client.token()
    day = dt.date.today() + dt.timedelta(days=30)
    with httpx.Client(
        base_url=settings.base_url + "/", verify=ssl.create_default_context(cafile=graph.ca_bundle)
    ) as http:
        started = time.perf_counter()
        for n in range(count):
            event = LeaveEvent("Unpaid leave", "bench", day, day, settings.time_zone, str(uuid.uuid4()))
            answer = http.post(
                f"users/alone{n}@bench.example/events",
                json=event.to_json(),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 201
        return time.perf_counter() - started


@click.command()
@click.option("--leaves", default=300, show_default=True, help="approved leaves to sync")
@click.option("--batch-size", default=10, show_default=True, help="CALENDAR_SYNC_BATCH_SIZE")
@click.option("--database-url", default=None, help="an existing server (else a throwaway cluster)")
def main(leaves: int, batch_size: int, database_url: str | None) -> None:
    """Calendar lane throughput against the Graph sandbox, with the sandbox alone as baseline."""
    quiet_worker_logs()
    console = Console()
    with server(database_url) as srv:
        db = srv.create("hithonix_bench_calendar")
        with db.connect() as owner:
            seed(owner, PostgrestEmulator(db.authenticator_url), leaves)
        with GraphSandbox("127.0.0.1", 0) as graph:
            settings = graph.graph_settings(batch_size=batch_size)
            with (
                psycopg.connect(db.worker_url, autocommit=True) as conn,
                GraphCalendarClient(settings) as client,
            ):
                client.token()  # the token is not part of the figure
                started = time.perf_counter()
                stats = CalendarSync(conn, client, settings).drain(budget_seconds=600)
                drained = time.perf_counter() - started
            assert stats.created == leaves and len(graph.events()) == leaves, stats
            alone = sandbox_alone(graph, leaves)
    worker_rate, alone_rate = leaves / drained, leaves / alone
    table = Table("figure", "measured", "baseline (same run)", "ratio", title="Calendar lane → Graph sandbox")
    table.add_row(
        f"calendar drain, {leaves} approved leaves, batches of {batch_size}",
        f"{worker_rate:,.0f} events/s",
        f"{alone_rate:,.0f} events/s sandbox alone",
        f"{worker_rate / alone_rate:.2f}x",
    )
    console.print(table)


if __name__ == "__main__":
    main()
