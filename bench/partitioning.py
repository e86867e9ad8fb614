"""Native monthly partitioning of the ledger, measured (issue 17, docs/scale-out.md).

``python -m bench.partitioning`` (also the last phase of ``make bench``) builds
three copies of the ledger's storage in one migrated database and measures
them in the same run:

- ``plain``: the columns, CHECK constraints and every index of
  ``app.attendance_events`` as the catalog has them today;
- ``partitioned``: the same, ``PARTITION BY RANGE (business_date_ist)`` with
  one partition per month; each unique index (the primary key too) gains
  ``business_date_ist``, since PostgreSQL only enforces uniqueness on a
  partitioned table when the key contains the partition key;
- ``dated``: plain plus one index on ``(business_date_ist, employee_id)``, the
  cheaper alternative for month-wide reads.

No copy has the ledger's triggers (they name ``app.attendance_events``),
so the ratios are those of the storage layout alone, an upper bound of what
partitioning would change in the product, where the triggers cost most of a
punch. The same rows (``--employees`` x ``--months`` of days, four events a
day, a backlog of 2,000 PENDING with queue messages and 200 FAILED without)
go into each, in time order.

Figures (each layout against plain):
- bulk load: one ``INSERT … SELECT`` of the whole history, rows/s;
- single-row insert rate: ``pgbench -M prepared -c 4 -j 2``, tx/s, into the
  current month;
- the reconciliation scan: the SELECT of ``app.reconcile_sync_v1`` (median ms);
- one employee's month: the API's read (median ms over many employees);
- the company's month: a per-employee aggregate of one month, what a
  timesheet or payroll export reads (median ms).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench.database import server
from bench.report import RESULTS_DIR
from bench.timing import Latency

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
DATABASE = "hithonix_bench_partitioning"
SCHEMA = "bench_partitioning"
LAYOUTS = ("plain", "partitioned", "dated")
FIRST_DAY = dt.date(2025, 1, 1)


@dataclass(frozen=True)
class Options:
    employees: int = 1000
    months: int = 12
    pgbench_seconds: int = 10
    database_url: str | None = None


@dataclass
class LayoutResult:
    layout: str
    rows: int
    load_rows_per_s: float
    insert_tps: float
    insert_tps_runs: list[float]
    reconcile: Latency
    employee_month: Latency
    company_month: Latency
    table_mb: float
    index_mb: float
    plans: dict[str, str]


def month_starts(first: dt.date, count: int) -> list[dt.date]:
    return [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def _column_list_end(indexdef: str) -> int:
    """Index in ``indexdef`` of the ')' closing the column list after ``USING method (``."""
    start = re.search(r" USING \w+ \(", indexdef)
    assert start, indexdef
    depth = 0
    for pos in range(start.end() - 1, len(indexdef)):
        depth += {"(": 1, ")": -1}.get(indexdef[pos], 0)
        if depth == 0:
            return pos
    raise ValueError(indexdef)


def ledger_ddl(conn: psycopg.Connection, layout: str, months: list[dt.date]) -> list[str]:
    """CREATE statements for one copy of the ledger's storage, from today's catalog."""
    table = f"{SCHEMA}.{layout}"
    partitioned = layout == "partitioned"
    ddl = [
        f"create table {table} (like app.attendance_events including defaults including constraints"
        " including identity including storage)" + (" partition by range (business_date_ist)" if partitioned else "")
    ]
    if partitioned:
        bounds = [*months, month_starts(months[-1], 2)[1]]
        for low, high in itertools.pairwise(bounds):
            ddl.append(f"create table {table}_{low:%Y_%m} partition of {table} for values from ('{low}') to ('{high}')")
    rows = conn.execute(
        "select i.indisprimary, pg_get_indexdef(i.indexrelid), i.indisunique"
        " from pg_index as i where i.indrelid = 'app.attendance_events'::regclass order by i.indexrelid"
    ).fetchall()
    for primary, indexdef, unique in rows:
        columns_end = _column_list_end(indexdef)
        if partitioned and unique:
            indexdef = indexdef[:columns_end] + ", business_date_ist" + indexdef[columns_end:]
        if primary:
            columns = indexdef[indexdef.index(" USING btree (") + len(" USING btree (") : _column_list_end(indexdef)]
            ddl.append(f"alter table {table} add primary key ({columns})")
            continue
        name = re.search(r"INDEX (\S+) ON", indexdef)
        assert name
        ddl.append(
            indexdef.replace(f"INDEX {name.group(1)} ON", f"INDEX {layout}_{name.group(1)} ON").replace(
                " ON app.attendance_events ", f" ON {table} "
            )
        )
    if layout == "dated":
        ddl.append(f"create index dated_business_date_employee_idx on {table} (business_date_ist, employee_id)")
    return ddl


COLUMNS = (
    "id, employee_id, event_type, occurred_at, recorded_at, business_date_ist, source, payload, created_by,"
    " sync_status, attempt_count, synced_at, chain_seq, chain_hash"
)

STAGING = f"""
create unlogged table {SCHEMA}.staging as
with days as (
    select e, md5('employee-' || e)::uuid as employee_id, d::date as day
    from generate_series(0, %(employees)s - 1) as e,
        generate_series(%(first)s::date, %(last)s::date, interval '1 day') as d
),
events as (
    select days.employee_id, k.event_type::app.event_type as event_type, days.day,
        (days.day + k.at + make_interval(mins => (hashtext(days.employee_id::text || days.day || k.event_type) & 15)))
            at time zone 'Asia/Kolkata' as occurred_at
    from days
    cross join (values ('CLOCK_IN', time '09:00'), ('BREAK_START', time '11:00'),
                       ('BREAK_END', time '11:20'), ('CLOCK_OUT', time '18:00')) as k (event_type, at)
)
select
    row_number() over (order by occurred_at, employee_id, event_type) as id,
    employee_id, event_type, occurred_at, occurred_at as recorded_at, day as business_date_ist,
    'web'::text as source, '{{}}'::jsonb as payload, 'bench'::text as created_by,
    (case when event_type in ('CLOCK_IN', 'CLOCK_OUT') then 'SUCCESS' else 'SKIPPED' end)::app.sync_status
        as sync_status,
    (case when event_type in ('CLOCK_IN', 'CLOCK_OUT') then 1 else 0 end) as attempt_count,
    case when event_type in ('CLOCK_IN', 'CLOCK_OUT') then occurred_at + interval '1 minute' end as synced_at,
    -- the hash chain's columns, stored as the ledger stores them (the bytes, not a verified chain)
    row_number() over (partition by employee_id order by occurred_at, event_type) as chain_seq,
    sha256(convert_to(employee_id::text || occurred_at::text || event_type::text, 'UTF8')) as chain_hash
from events
"""

# the unsynced backlog: the newest 2,000 Keka-bound events PENDING with a queue
# message each, 200 older ones FAILED without (reconciliation's work)
BACKLOG = f"""
with bound as (
    select id, row_number() over (order by id desc) as age
    from {SCHEMA}.staging where event_type in ('CLOCK_IN', 'CLOCK_OUT')
)
update {SCHEMA}.staging as s
set sync_status = case when b.age <= 2000 then 'PENDING' else 'FAILED' end::app.sync_status,
    synced_at = null
from bound as b
where s.id = b.id and (b.age <= 2000 or b.age between 50001 and 50200);
create table {SCHEMA}.queue (msg_id bigint generated always as identity primary key, message jsonb not null);
insert into {SCHEMA}.queue (message)
select jsonb_build_object('event_id', id, 'employee_id', employee_id)
from {SCHEMA}.staging where sync_status = 'PENDING';
create index queue_event_idx on {SCHEMA}.queue (((message ->> 'event_id')::bigint));
"""

RECONCILE = """
select array_agg(ev.id) filter (where ev.attempt_count < 10), array_agg(ev.id) filter (where ev.attempt_count >= 10)
from {table} as ev
where ev.sync_status in ('PENDING', 'FAILED')
    and not exists (select 1 from {schema}.queue as m where (m.message ->> 'event_id')::bigint = ev.id)
"""
EMPLOYEE_MONTH = """
select ev.* from {table} as ev
where ev.employee_id = %(employee)s and ev.business_date_ist >= %(month)s
    and ev.business_date_ist < (%(month)s::date + interval '1 month')::date
order by ev.business_date_ist, ev.occurred_at
"""
COMPANY_MONTH = """
select ev.employee_id, count(*) as events, min(ev.occurred_at) as first_at, max(ev.occurred_at) as last_at,
    count(*) filter (where ev.event_type = 'CLOCK_IN') as clock_ins
from {table} as ev
where ev.business_date_ist >= %(month)s and ev.business_date_ist < (%(month)s::date + interval '1 month')::date
group by ev.employee_id
"""
PGBENCH_SCRIPT = """\\set e random(0, {last_employee})
insert into {table} (
    employee_id, event_type, occurred_at, business_date_ist, source, created_by, sync_status, chain_seq, chain_hash
)
values (
    md5('employee-' || :e)::uuid, 'CLOCK_IN', timestamptz '{day} 10:00+05:30', '{day}', 'web', 'bench', 'PENDING',
    1, sha256(convert_to(:e::text, 'UTF8'))
);
"""


def pgbench_tps(url: str, script: str, seconds: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        [PGBENCH, "-n", "-M", "prepared", "-c", "4", "-j", "2", "-T", str(seconds), "-f", f.name, url],
        capture_output=True,
        text=True,
        check=True,
        # the commit's WAL flush is the same for both layouts and would hide what routing costs
        env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"},
    ).stdout
    Path(f.name).unlink()
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    assert found, out
    return float(found.group(1))


def explain(conn: psycopg.Connection, sql: str, params: dict[str, Any]) -> str:
    rows = conn.execute("explain (analyze, buffers, costs off) " + sql, params).fetchall()
    return "\n".join(r[0] for r in rows)


def load(conn: psycopg.Connection, layout: str, months: list[dt.date]) -> tuple[int, float]:
    """Create one copy and load the whole history into it: (rows, rows/s)."""
    table = f"{SCHEMA}.{layout}"
    for statement in ledger_ddl(conn, layout, months):
        conn.execute(statement)
    conn.execute(f"select count(*) from {SCHEMA}.staging")  # the staged rows in cache for both
    started = time.perf_counter()
    rows = conn.execute(
        f"insert into {table} ({COLUMNS}) overriding system value select {COLUMNS} from {SCHEMA}.staging order by id"
    ).rowcount
    seconds = time.perf_counter() - started
    conn.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))")
    conn.execute(f"vacuum (analyze) {table}")
    return rows, rows / seconds


def interleaved(
    conn: psycopg.Connection, sql: str, params: list[dict[str, Any]], repeat: int, warmup: int
) -> dict[str, Latency]:
    """Median-ready samples of one query on each layout, alternating layouts every run."""
    seconds: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for run in range(warmup + repeat):
        for layout in LAYOUTS:
            query = sql.format(table=f"{SCHEMA}.{layout}", schema=SCHEMA)
            started = time.perf_counter()
            conn.execute(query, params[run % len(params)]).fetchall()
            if run >= warmup:
                seconds[layout].append(time.perf_counter() - started)
    return {layout: Latency.of(values) for layout, values in seconds.items()}


def measure(conn: psycopg.Connection, url: str, options: Options, months: list[dt.date]) -> dict[str, LayoutResult]:
    loaded = {layout: load(conn, layout, months) for layout in LAYOUTS}
    month = months[len(months) // 2]
    employees = [r[0] for r in conn.execute(f"select distinct employee_id from {SCHEMA}.staging limit 200")]
    by_employee = [{"employee": e, "month": month} for e in employees]
    reads = {
        "reconcile": interleaved(conn, RECONCILE, [{}], repeat=30, warmup=3),
        "employee_month": interleaved(conn, EMPLOYEE_MONTH, by_employee, repeat=400, warmup=20),
        "company_month": interleaved(conn, COMPANY_MONTH, [{"month": month}], repeat=7, warmup=2),
    }
    # sizes and plans before pgbench adds its rows
    results = {}
    for layout in LAYOUTS:
        table = f"{SCHEMA}.{layout}"
        sizes = conn.execute(
            "select sum(pg_table_size(t.relid)), sum(pg_indexes_size(t.relid))"
            " from (select %s::regclass as relid union select relid from pg_partition_tree(%s::regclass)) as t",
            [table, table],
        ).fetchone()
        assert sizes
        results[layout] = LayoutResult(
            layout=layout,
            rows=loaded[layout][0],
            load_rows_per_s=loaded[layout][1],
            insert_tps=0.0,
            insert_tps_runs=[],
            reconcile=reads["reconcile"][layout],
            employee_month=reads["employee_month"][layout],
            company_month=reads["company_month"][layout],
            table_mb=float(sizes[0]) / 2**20,
            index_mb=float(sizes[1]) / 2**20,
            plans={
                name: explain(conn, sql.format(table=table, schema=SCHEMA), params)
                for name, sql, params in [
                    ("reconcile", RECONCILE, {}),
                    ("employee_month", EMPLOYEE_MONTH, by_employee[0]),
                    ("company_month", COMPANY_MONTH, {"month": month}),
                ]
            },
        )
    # single-row inserts into the newest month: three alternating pgbench runs per layout, the median counts
    last_day = month_starts(months[-1], 2)[1] - dt.timedelta(days=1)
    runs: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for _ in range(3):
        for layout in LAYOUTS:
            script = PGBENCH_SCRIPT.format(
                table=f"{SCHEMA}.{layout}", last_employee=options.employees - 1, day=last_day
            )
            runs[layout].append(pgbench_tps(url, script, options.pgbench_seconds))
    for layout, values in runs.items():
        results[layout].insert_tps, results[layout].insert_tps_runs = statistics.median(values), values
    return results


def run(options: Options, console: Console) -> dict[str, Any]:
    months = month_starts(FIRST_DAY, options.months)
    last = month_starts(months[-1], 2)[1] - dt.timedelta(days=1)
    with server(options.database_url) as srv:
        db = srv.create(DATABASE)
        with db.connect() as conn:
            conn.execute(f"create schema {SCHEMA}")
            console.print(f"staging {options.employees:,} employees x {options.months} months of events …")
            conn.execute(STAGING, {"employees": options.employees, "first": FIRST_DAY, "last": last})
            conn.execute(BACKLOG)
            conn.execute(f"analyze {SCHEMA}.staging; analyze {SCHEMA}.queue")
            console.print("loading and measuring each layout …")
            results = measure(conn, db.owner_url, options, months)
        server_version = srv.facts().get("server_version", "?")
    return {"options": asdict(options), "server_version": server_version, "layouts": results}


FIGURES = [
    ("bulk load (INSERT … SELECT, time order)", "load_rows_per_s", "rows/s", True),
    ("single-row insert (pgbench -c 4 -j 2, median of 3)", "insert_tps", "tx/s", True),
    ("reconciliation scan (median)", "reconcile", "ms", False),
    ("one employee's month (median)", "employee_month", "ms", False),
    ("company's month, per employee (median)", "company_month", "ms", False),
    ("table size", "table_mb", "MB", False),
    ("index size", "index_mb", "MB", False),
]


def figures(results: dict[str, LayoutResult]) -> list[dict[str, Any]]:
    out = []
    for name, attr, unit, higher_is_better in FIGURES:
        values = {}
        for layout, r in results.items():
            value = getattr(r, attr)
            values[layout] = value.p50_ms if isinstance(value, Latency) else float(value)
        ratios = {layout: values[layout] / values["plain"] for layout in LAYOUTS[1:] if values["plain"]}
        out.append({"figure": name, "unit": unit, **values, "ratios": ratios, "higher_is_better": higher_is_better})
    return out


def render(console: Console, document: dict[str, Any]) -> None:
    opts = document["options"]
    table = Table(
        title=f"ledger layouts: {opts['employees']:,} employees x {opts['months']} months, "
        f"{document['rows']:,} rows, PostgreSQL {document['server_version']}"
    )
    table.add_column("figure")
    for layout in LAYOUTS:
        table.add_column(layout, justify="right")
    for layout in LAYOUTS[1:]:
        table.add_column(f"{layout} / plain", justify="right")
    for f in document["figures"]:
        better = "higher is better" if f["higher_is_better"] else "lower is better"
        table.add_row(
            escape(f"{f['figure']} [{f['unit']}, {better}]"),
            *(f"{f[layout]:,.2f}" for layout in LAYOUTS),
            *(f"{f['ratios'][layout]:.2f}x" for layout in LAYOUTS[1:]),
        )
    console.print(table)


def measure_and_report(options: Options, console: Console) -> Path:
    """Run, print the table, save ``bench/results/partitioning-latest.json``; ``make bench`` calls it last."""
    console.rule("ledger partitioning (issue 17, docs/scale-out.md)")
    raw = run(options, console)
    layouts: dict[str, LayoutResult] = raw["layouts"]
    document = {
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "options": raw["options"],
        "server_version": raw["server_version"],
        "rows": layouts["plain"].rows,
        "figures": figures(layouts),
        "layouts": {k: asdict(v) for k, v in layouts.items()},
    }
    render(console, document)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "partitioning-latest.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    console.print(f"saved {path}")
    return path


_DEFAULTS = Options()


@click.command(name="partitioning", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--employees", type=click.IntRange(min=10), default=_DEFAULTS.employees, show_default=True)
@click.option("--months", type=click.IntRange(min=2), default=_DEFAULTS.months, show_default=True)
@click.option(
    "--pgbench-seconds",
    type=click.IntRange(min=1),
    default=_DEFAULTS.pgbench_seconds,
    show_default=True,
    help="seconds per pgbench run (three runs per layout)",
)
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(**given: Any) -> None:
    """The ledger partitioned by month vs plain vs plain + a date index, same rows, same run."""
    measure_and_report(Options(**given), Console(width=None if sys.stdout.isatty() else 160))


if __name__ == "__main__":
    main(prog_name="python -m bench.partitioning")
