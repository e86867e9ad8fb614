"""``python -m bench.lock_notice``: what the lock-notice triggers cost the punch path.

The Slack issue (16) adds two statement-level triggers with transition tables on
``app.daily_status`` (``_800_lock_notice_insert`` / ``_update``): every punch's
step updates one day row, so every punch now runs one of them. pgbench replays
PostgREST's clock_in + clock_out transactions (``pgbench/punch.sql``,
``-M prepared``, 4 clients) alternately with the triggers enabled and disabled
(``alter table … disable trigger``), three rounds each, on one database; the
figure is the punch rate with the triggers as a ratio of the rate without them
(medians). The punches do not lock days (flexible shifts), as most punches do
not: the cost measured is the check, not the notices.
"""

from __future__ import annotations

import statistics

import click

from bench.database import BenchDatabase, server
from bench.transactions import prepare, run_script

TRIGGERS = ("_800_lock_notice_insert", "_800_lock_notice_update")


def _set_triggers(db: BenchDatabase, enabled: bool) -> None:
    verb = "enable" if enabled else "disable"
    with db.connect() as conn:
        for name in TRIGGERS:
            conn.execute(f"alter table app.daily_status {verb} trigger {name}")


@click.command(name="bench-lock-notice")
@click.option("--clients", default=4, show_default=True)
@click.option("--seconds", default=10, show_default=True, help="per measurement")
@click.option("--rounds", default=3, show_default=True, help="alternations of with / without")
@click.option("--database-url", default=None, help="use this server instead of a throwaway cluster")
def main(clients: int, seconds: int, rounds: int, database_url: str | None) -> None:
    per_client = 50
    with server(database_url) as srv:
        db = srv.create("hithonix_bench_lock_notice")
        prepare(db, clients, per_client)
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            for enabled in (False, True):
                _set_triggers(db, enabled)
                rate = run_script(db.authenticator_url, "punch.sql", clients, seconds, per_client, 2)
                if not rate.ok:
                    raise click.ClickException(f"pgbench reported failures:\n{rate.output}")
                rates[enabled].append(rate.tps)
        _set_triggers(db, True)
    with_triggers, without = statistics.median(rates[True]), statistics.median(rates[False])
    click.echo(f"punches/s without the lock-notice triggers: {without:.0f} (runs {[round(r) for r in rates[False]]})")
    click.echo(
        f"punches/s with them:                        {with_triggers:.0f} (runs {[round(r) for r in rates[True]]})"
    )
    click.echo(f"ratio with/without: {with_triggers / without:.3f}")


if __name__ == "__main__":
    main()
