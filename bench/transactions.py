"""Transaction rates measured with ``pgbench`` (ships with PostgreSQL), scripts in ``bench/pgbench/``.

- ``bare_insert.sql``: one single-row INSERT into a bare table, autocommit: the baseline.
- ``envelope_insert.sql``: the same INSERT inside PostgREST 12's transaction envelope.
- ``punch.sql``: ``POST /rpc/clock_in`` then ``POST /rpc/clock_out`` in PostgREST 12's envelope
  and RPC query shape (two transactions per script run).
- the floor: ``punch.sql`` with its two calls replaced by ``bench.floor_punch`` (``bench/floor_punch.sql``),
  the issue's prototype of the punch on today's tables with none of the product's rules, with
  and without the ledger chain: the floor the punch's ratio can approach (``floors``, a
  database of its own, since it disables the tables' triggers).

All three run with the same clients (``-c``), threads, protocol (``-M prepared``) and
duration, on ``authenticator`` connections, one after the other in this order:
bare, envelope, punch, bare again; the baseline is the mean of the two bare runs.
The figure runs with the server's settings (commits flushed to disk, as the
issue measured). A commit's flush costs more than a bare INSERT's work and
varies with what else writes to this shared disk, which flatters the punch's
ratio; so the same four runs are repeated with ``synchronous_commit=off``
(libpq ``options`` on the connection, all scripts alike): that ratio is the work per transaction.
Each client punches its own employees (``n ≡ client_id mod clients``), created here with
ids ``00000000-0000-4000-8000-<n, 12 digits>`` and a policy that allows several shifts a day.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from bench.database import BenchDatabase
from bench.pgrest import PLAN

SCRIPTS = Path(__file__).resolve().parent / "pgbench"
PGBENCH_FALLBACK = "/usr/lib/postgresql/15/bin/pgbench"

SETUP = """
create schema if not exists bench;
create table if not exists bench.bare_punch (
    id bigint generated always as identity primary key,
    employee_n integer not null,
    punched_at timestamptz not null
);
grant usage on schema bench to authenticator, employee;
grant insert on bench.bare_punch to authenticator, employee;
"""

EMPLOYEES = """
insert into app.employees (id, email, full_name, role, shift_config)
select
    ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
    'pgbench-' || n || '@example.com',
    'pgbench employee ' || n,
    'employee',
    %s
from generate_series(1, %s) as n
on conflict do nothing
"""

POLICY = {"shift_type": "FLEXIBLE", "one_clock_in_per_day": False}


@dataclass(frozen=True)
class Rate:
    script: str
    transactions: int  # database transactions (script runs x transactions per run)
    tps: float  # database transactions per second, connection time excluded
    latency_ms: float  # mean per script run
    failed: int
    aborted_clients: int
    output: str

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.aborted_clients == 0


def pgbench_binary() -> str:
    return shutil.which("pgbench") or PGBENCH_FALLBACK


def prepare(db: BenchDatabase, clients: int, per_client: int) -> None:
    """The bare table and the pgbench employees (owner)."""
    with db.connect() as conn:
        conn.execute(SETUP)
        conn.execute(EMPLOYEES, [Jsonb(POLICY), clients * per_client])
        conn.execute("analyze app.employees")


def _number(pattern: str, text: str, default: float = 0.0) -> float:
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else default


def run_script(
    url: str,
    script: str,
    clients: int,
    seconds: int,
    per_client: int,
    transactions_per_run: int = 1,
    *,
    flush: bool = True,
    defines: dict[str, str] | None = None,
) -> Rate:
    command = [
        pgbench_binary(),
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={min(clients, 2)}",
        f"--time={seconds}",
        f"--file={SCRIPTS / script}",
        f"--define=clients={clients}",
        f"--define=per_client={per_client}",
        "--define=clock_in_body=" + '{"plan": "' + PLAN + '"}',
        *(f"--define={name}={value}" for name, value in (defines or {}).items()),
        url if flush else make_conninfo(url, options="-c synchronous_commit=off"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    text = done.stdout + done.stderr
    if done.returncode not in (0, 2) or "tps =" not in text:  # 2: some clients aborted
        raise RuntimeError(f"pgbench {script} failed ({done.returncode}):\n{text}")
    runs = int(_number(r"number of transactions actually processed: (\d+)", text))
    return Rate(
        script=script,
        transactions=runs * transactions_per_run,
        tps=_number(r"tps = ([\d.]+) \(without initial connection time\)", text) * transactions_per_run,
        latency_ms=_number(r"latency average = ([\d.]+) ms", text),
        failed=int(_number(r"number of failed transactions: (\d+)", text)),
        aborted_clients=text.count("aborted in command"),
        output=text,
    )


@dataclass(frozen=True)
class Rates:
    clients: int
    seconds: int
    flush: bool
    bare_before: Rate
    envelope: Rate
    punch: Rate
    bare_after: Rate

    @property
    def baseline_tps(self) -> float:
        return (self.bare_before.tps + self.bare_after.tps) / 2


def run(db: BenchDatabase, clients: int, seconds: int, per_client: int = 50) -> tuple[Rates, Rates]:
    """(with commits flushed, with synchronous_commit=off)."""
    prepare(db, clients, per_client)
    url = db.authenticator_url

    def series(flush: bool) -> Rates:
        def one(script: str, per_run: int = 1) -> Rate:
            return run_script(url, script, clients, seconds, per_client, per_run, flush=flush)

        return Rates(
            clients=clients,
            seconds=seconds,
            flush=flush,
            bare_before=one("bare_insert.sql"),
            envelope=one("envelope_insert.sql"),
            punch=one("punch.sql", 2),
            bare_after=one("bare_insert.sql"),
        )

    return series(True), series(False)


FLOOR_FUNCTION = Path(__file__).resolve().parent / "floor_punch.sql"


@dataclass(frozen=True)
class Floors:
    """The issue's prototype punch on today's tables, against the bare INSERT of the same run."""

    clients: int
    seconds: int
    bare_before: Rate
    floor: Rate
    floor_chained: Rate
    bare_after: Rate

    @property
    def baseline_tps(self) -> float:
        return (self.bare_before.tps + self.bare_after.tps) / 2


# punch.sql's two RPC calls, and what the floor's script calls instead
FLOOR_CALLS = {
    """from (select :clock_in_body::json as json_data) as pgrst_payload,
        lateral (
            select "plan" from json_to_record(pgrst_payload.json_data) as _("plan" text) limit 1
        ) as pgrst_body,
        lateral (select "api"."clock_in"("plan" := pgrst_body."plan") as pgrst_scalar) as pgrst_call""": (
        'from lateral (select "bench"."floor_punch"(\'CLOCK_IN\', :floor_chain::boolean) as pgrst_scalar) as pgrst_call'
    ),
    """lateral (select "api"."clock_out"() as pgrst_scalar) as pgrst_call""": (
        """lateral (select "bench"."floor_punch"('CLOCK_OUT', :floor_chain::boolean) as pgrst_scalar) as pgrst_call"""
    ),
}


def floor_script(target: Path) -> Path:
    """punch.sql with its two RPC calls replaced by bench.floor_punch: the same envelope, one source."""
    text = (SCRIPTS / "punch.sql").read_text()
    for call, floor_call in FLOOR_CALLS.items():
        if call not in text:
            raise RuntimeError(f"bench/pgbench/punch.sql no longer holds {call.splitlines()[0]!r}")
        text = text.replace(call, floor_call)
    target.write_text(text)
    return target


def floors(db: BenchDatabase, clients: int, seconds: int, per_client: int = 50) -> Floors:
    """bare, the prototype, the prototype with the ledger chain, bare again (a database of its own: triggers off)."""
    prepare(db, clients, per_client)
    with db.connect() as conn:
        conn.execute(FLOOR_FUNCTION.read_text())
    url = db.authenticator_url

    with tempfile.TemporaryDirectory() as tmp:
        script = str(floor_script(Path(tmp) / "punch_floor.sql"))

        def one(name: str, per_run: int = 1, chain: bool = False) -> Rate:
            return run_script(
                url, name, clients, seconds, per_client, per_run, defines={"floor_chain": str(chain).lower()}
            )

        return Floors(
            clients=clients,
            seconds=seconds,
            bare_before=one("bare_insert.sql"),
            floor=one(script, 2),
            floor_chained=one(script, 2, chain=True),
            bare_after=one("bare_insert.sql"),
        )
