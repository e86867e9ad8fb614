"""``python -m bench.rate_limit``: what the pre-request's rate limits and IP allow-list cost a punch.

A punch is in no rate-limited class: the pre-request (``app.pre_request``) pays
the identity check it always did, one read of the allow-list settings and a
CASE on the request path. pgbench replays PostgREST's clock_in + clock_out
transactions (``pgbench/punch.sql``, ``-M prepared``, 4 clients), alternating,
``--rounds`` times, on one database:

- ``full``: the pre-request as shipped (allow-list empty: the default);
- ``identity only``: the same with ``app.require_allowed_ip`` and
  ``app.rate_limit_hit`` replaced by empty functions, i.e. the pre-request as
  it was before issue 14 (restored afterwards);
- ``no pre-request``: the script without its ``select app.pre_request()``;
- ``allow-list on employees``: ``ip_allowlist`` set, applying to employees,
  one trusted proxy, the script sending ``X-Forwarded-For`` from inside it.

The figures are medians of the rounds and the ratios of each to ``identity only``.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import click

from bench.database import BenchDatabase, server
from bench.transactions import SCRIPTS, prepare, run_script

ROOT = Path(__file__).resolve().parent.parent
RESTORE = [ROOT / "sql" / "functions" / "740_rate_limit.sql", ROOT / "sql" / "functions" / "745_ip_allowlist.sql"]
NO_OPS = """
create or replace function app.require_allowed_ip(p_role text) returns void
language plpgsql stable as $$ begin end $$;
create or replace function app.rate_limit_hit(p_class text) returns void
language plpgsql volatile as $$ begin end $$;
"""
ALLOWLIST_ON = """
update app.settings set value = '["10.0.0.0/8"]' where key = 'ip_allowlist';
update app.settings set value = '["employee", "hr_admin"]' where key = 'ip_allowlist_roles';
update app.settings set value = '1' where key = 'trusted_proxies';
"""
ALLOWLIST_OFF = """
update app.settings set value = '[]' where key = 'ip_allowlist';
update app.settings set value = '["hr_admin"]' where key = 'ip_allowlist_roles';
update app.settings set value = '0' where key = 'trusted_proxies';
"""
VARIANTS = ("identity only", "full", "no pre-request", "allow-list on employees")


def scripts(directory: Path) -> dict[str, str]:
    """The punch script and its two edited copies (absolute paths; run_script joins them onto SCRIPTS)."""
    punch = (SCRIPTS / "punch.sql").read_text()
    without = directory / "punch_without_pre_request.sql"
    without.write_text(punch.replace("select app.pre_request();\n", ""))
    forwarded = directory / "punch_forwarded_for.sql"
    forwarded.write_text(
        punch.replace(
            "set_config('request.headers', '{}', true)",
            """set_config('request.headers', '{"x-forwarded-for": "10.1.2.3"}', true)""",
        )
    )
    assert without.read_text() != punch and forwarded.read_text() != punch
    return {
        "identity only": "punch.sql",
        "full": "punch.sql",
        "no pre-request": str(without),
        "allow-list on employees": str(forwarded),
    }


def configure(db: BenchDatabase, variant: str) -> None:
    with db.connect() as conn:
        for path in RESTORE:
            conn.execute("set role hithonix_owner")
            conn.execute(path.read_text())
            conn.execute("reset role")
        conn.execute(ALLOWLIST_OFF)
        if variant == "identity only":
            conn.execute("set role hithonix_owner")
            conn.execute(NO_OPS)
            conn.execute("reset role")
        if variant == "allow-list on employees":
            conn.execute(ALLOWLIST_ON)


@click.command(name="bench-rate-limit")
@click.option("--clients", default=4, show_default=True)
@click.option("--seconds", default=8, show_default=True, help="per measurement")
@click.option("--rounds", default=3, show_default=True, help="alternations of the variants")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(clients: int, seconds: int, rounds: int, database_url: str | None) -> None:
    per_client = 50
    rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp, server(database_url) as srv:
        db = srv.create("hithonix_bench_rate_limit")
        prepare(db, clients, per_client)
        paths = scripts(Path(tmp))
        try:
            for _ in range(rounds):
                for variant in VARIANTS:
                    configure(db, variant)
                    rate = run_script(db.authenticator_url, paths[variant], clients, seconds, per_client, 2)
                    if not rate.ok:
                        raise click.ClickException(f"pgbench reported failures ({variant}):\n{rate.output}")
                    rates[variant].append(rate.tps)
        finally:
            configure(db, "full")
    base = statistics.median(rates["identity only"])
    click.echo(f"punch transactions/s (pgbench, PostgREST 12 shape, {clients} clients, median of {rounds}):")
    for variant in VARIANTS:
        median = statistics.median(rates[variant])
        runs = [round(r) for r in rates[variant]]
        click.echo(f"  {variant:26} {median:8.0f}  ratio to identity only {median / base:5.3f}  runs {runs}")


if __name__ == "__main__":
    main()
