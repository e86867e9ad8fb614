"""The event attendance report at scale (issue 15 part 5): ``POST /rpc/event_report``.

A company of ``--employees`` people (default 10,000), ``--devices`` readers
(20) and a scan log of ``--scans`` rows (300,000: a month of IN/OUT at the
readers), one event at a reader with ``--expected`` attendees (2,000) of whom
90 % scanned in its window (a third of them late) plus 50 walk-ins. The report
runs as hr_admin through PostgREST 12's transaction on a pooled connection
(bench.pgrest), ``--repeat`` times; the baseline, in the same run and on the
same connection, is the smallest request there is (``POST /rpc/health``: the
envelope alone). Target: report p95 <= 200 ms.

    .venv/bin/python -m bench.frontdesk_events [--employees 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import uuid

from bench.database import server
from bench.pgrest import Session, rpc_query
from bench.timing import sample

TARGET_P95_MS = 200.0

SEED = """
insert into app.employees (email, full_name, department)
select 'e' || g || '@bench.example', 'Employee ' || g, 'Dept ' || (g % 12)
from generate_series(1, {employees}) as g;
insert into app.employees (email, full_name, role) values ('hr@bench.example', 'HR', 'hr_admin');
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
select 'Reader ' || g, 'Floor ' || g, 'main', encode(sha256(g::text::bytea), 'hex'),
    left(encode(sha256(('p' || g)::text::bytea), 'hex'), 12), 'bench'
from generate_series(1, {devices}) as g;
create temporary table bench_people as
select id, row_number() over (order by id) as n from app.employees where role = 'employee';
create temporary table bench_devices as
select id, row_number() over (order by name) as n from app.kiosk_devices;
-- a month of scans spread over every reader
insert into app.badge_scans (device_id, badge_code, employee_id, scanned_at, outcome, event_id)
select d.id, 'B-' || p.n, p.id, now() - make_interval(secs => (g * 2591.0 / {scans}) * 1000),
    case when g % 2 = 0 then 'IN' else 'OUT' end, g
from generate_series(1, {scans}) as g
inner join bench_people as p on p.n = 1 + g % {employees}
inner join bench_devices as d on d.n = 1 + g % {devices};
"""

EVENT = """
insert into app.events (title, kind, device_id, starts_at, ends_at, grace_minutes, created_by)
select 'Quarterly fire drill', 'DRILL', d.id, now() - interval '50 minutes', now() + interval '10 minutes', 10, 'bench'
from bench_devices as d where d.n = 1
returning id, device_id, starts_at;
"""

ATTENDANCE = """
insert into app.event_attendees (employee_id, event_id, added_by)
select p.id, {event}, 'bench' from bench_people as p where p.n <= {expected};
-- 90 % of the expected scanned in the window, a third of those after the grace; 50 walk-ins
insert into app.badge_scans (device_id, badge_code, employee_id, scanned_at, outcome, event_id)
select {device}, 'B-' || p.n, p.id,
    {starts}::timestamptz + case when p.n % 3 = 0 then interval '25 minutes' else interval '-5 minutes' end,
    'IN', p.n
from bench_people as p
where p.n <= {expected} * 9 / 10 or p.n between {expected} + 1 and {expected} + 50;
analyze app.badge_scans;
analyze app.event_attendees;
analyze app.events;
analyze app.employees;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--scans", type=int, default=300_000)
    parser.add_argument("--expected", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with server(args.database_url) as srv:
        db = srv.create("hithonix_bench_frontdesk_events")
        with db.connect() as conn:
            conn.execute(SEED.format(employees=args.employees, devices=args.devices, scans=args.scans))
            event_id, device_id, starts_at = conn.execute(EVENT).fetchone()  # type: ignore[misc]
            conn.execute(
                ATTENDANCE.format(
                    event=int(event_id),
                    device=f"'{uuid.UUID(str(device_id))}'",
                    starts=f"'{starts_at.isoformat()}'",
                    expected=args.expected,
                )
            )
            hr = conn.execute("select id from app.employees where role = 'hr_admin'").fetchone()[0]  # type: ignore[index]
        who = {"role": "hr_admin", "employee_id": str(uuid.UUID(str(hr))), "sub": "bench"}
        session = Session(db.authenticator_url)
        report_sql = rpc_query("event_report", [("event_id", "bigint")])
        health_sql = "select null, 1, api.health()::text"  # POST /rpc/health: no body to read
        body = json.dumps({"event_id": event_id})

        def report() -> object:
            return session.request("POST", "/rpc/event_report", who, report_sql, [body], read_only=True)

        def health() -> object:
            return session.request("POST", "/rpc/health", who, health_sql, read_only=True)

        counts = json.loads(report()[2])["counts"]  # type: ignore[index]
        baseline = sample(health, args.repeat)
        measured = sample(report, args.repeat)
        session.close()

    verdict = "pass" if measured.p95_ms <= TARGET_P95_MS else "miss"
    print(
        f"event_report, {args.employees:,} employees, {args.scans:,} scans, {args.expected:,} expected: "
        f"p50 {measured.p50_ms:.1f} ms, p95 {measured.p95_ms:.1f} ms (target <= {TARGET_P95_MS:.0f} ms: {verdict})"
    )
    print(
        f"baseline POST /rpc/health, same connection: p50 {baseline.p50_ms:.2f} ms, p95 {baseline.p95_ms:.2f} ms; "
        f"ratio p50 {measured.p50_ms / baseline.p50_ms:.1f}x"
    )
    print(f"counts: {json.dumps(counts)}")


if __name__ == "__main__":
    main()
