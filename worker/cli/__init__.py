"""The operator CLI (``hithonix …`` or ``python -m worker …``).

Commands parse their arguments and call the module that does the work; the
development commands (demo, run, sandbox) are in ``worker.cli.development``.

Exit codes: 0 success, 1 the operation failed (message on stderr), 2 usage.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import click
import psycopg
from rich.console import Console
from rich.table import Table

from worker.cli import calendar_lane, development, imports, slack
from worker.config import (
    ROOT,
    ClusterSettings,
    ConfigError,
    KekaSettings,
    authenticator_url,
    child_environment,
    database_url,
    jwt_secret,
    log_level,
    worker_database_url,
)
from worker.db.cluster import Cluster, ClusterError
from worker.db.migrate import MigrationError, Migrator
from worker.leave import cli as leave_cli
from worker.observability import configure_logging, log, serve_metrics

console = Console(width=None if sys.stdout.isatty() else 130)
err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Hithonix attendance backend: database, worker and operator commands."""


@main.command("db-up")
def db_up() -> None:
    """Start the embedded cluster under .pgdata/ (initialised on first use)."""
    cluster = Cluster()
    try:
        cluster.start()
    except ClusterError as exc:
        err.print(f"[red]{exc}[/red]\n(the directory and its parents must be reachable by the postgres OS user)")
        sys.exit(1)
    console.print(f"embedded PostgreSQL running: {cluster.settings.url()}")


@main.command("db-down")
def db_down() -> None:
    """Stop the embedded cluster (data is kept)."""
    Cluster().stop()
    console.print("embedded PostgreSQL stopped")


@main.command("db-status")
def db_status() -> None:
    """Say whether the embedded cluster runs; exit 1 when it does not."""
    cluster = Cluster()
    if cluster.running():
        console.print(f"running: {cluster.settings.url()}")
    else:
        console.print(f"not running (data dir {ClusterSettings().data_dir})")
        sys.exit(1)


@main.command("db-url")
def db_url() -> None:
    """Print the target database URL (DATABASE_URL or the embedded cluster)."""
    click.echo(database_url())


@main.command()
def migrate() -> None:
    """Apply pending migrations, then the repeatable SQL if it changed."""
    try:
        done, refreshed = Migrator(database_url()).migrate()
    except (MigrationError, ConfigError) as exc:
        err.print(f"[red]migrate failed:[/red] {exc}")
        sys.exit(1)
    if not done and not refreshed:
        console.print("Nothing to do: the database is up to date.")
    for name in done:
        console.print(f"applied {name}")
    if refreshed:
        console.print("re-applied sql/functions, sql/triggers, sql/policies")


@main.command("migrate-status")
def migrate_status() -> None:
    """List migrations and whether each is applied, pending or edited."""
    try:
        rows = Migrator(database_url()).status()
    except MigrationError as exc:
        err.print(f"[red]{exc}[/red]")
        sys.exit(1)
    table = Table("version", "name", "state", "applied at")
    for row in rows:
        colour = {"applied": "green", "pending": "yellow"}.get(row.state, "red")
        table.add_row(row.version, row.name, f"[{colour}]{row.state}[/{colour}]", row.applied_at or "")
    console.print(table)
    if any(row.state in ("edited", "missing-file") for row in rows):
        sys.exit(1)


def _keka_settings() -> KekaSettings:
    try:
        return KekaSettings.from_env()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        sys.exit(2)


@main.command()
def worker() -> None:
    """Run the Keka sync worker (procrastinate) as hithonix_worker."""
    settings = _keka_settings()
    configure_logging(log_level())
    import asyncio

    from worker.tasks import create_app, open_pool, run_lanes

    pool = open_pool(worker_database_url())
    serve_metrics(settings.metrics_port, pool.connection)
    app = create_app(worker_database_url(), settings, pool)
    log.info(
        "worker_starting",
        concurrency=settings.concurrency,
        metrics_port=settings.metrics_port,
        ingestion=settings.ingestion_base_url,
        hris=settings.hris_base_url,
    )
    loop = asyncio.new_event_loop()  # not asyncio.run: it would wait for an abandoned job's thread
    code = 0
    try:
        loop.run_until_complete(run_lanes(app, settings.concurrency))
    except Exception as exc:  # reported, and the exit code tells systemd
        log.error("worker_failed", error=repr(exc))
        code = 1
    finally:
        pool.close()
        log.info("worker_stopped", exit_code=code)
        sys.stdout.flush()
        # a sync job's thread (an import asleep on Keka's 429) cannot be interrupted: leave
        # it; the job is retried as stalled (see SHUTDOWN_GRACE_SECONDS)
        os._exit(code)


@main.command("push")
@click.option("--budget", default=30.0, show_default=True, help="seconds to keep draining")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of the table")
def push(budget: float, as_json: bool) -> None:
    """Drain the keka_sync outbox once, now (what the worker does every few seconds).

    Exit codes: 0 every punch read was delivered (or already was, or was voided);
    3 some need attention (failed or unconfirmed and scheduled again, held back,
    permanently failed, dead-lettered, or the circuit is open); 1 the push could
    not run; 2 configuration."""
    settings = _keka_settings()
    configure_logging(log_level(), sys.stderr)  # stdout is the summary
    from worker.keka.client import KekaLogsClient
    from worker.keka.push_report import push_exit_code, push_summary, push_table
    from worker.keka.sync import Pusher

    try:
        with (
            psycopg.connect(worker_database_url(), autocommit=True) as conn,
            KekaLogsClient(settings.ingestion_base_url, settings.ingestion_key, settings.timeout_seconds) as client,
        ):
            stats = Pusher(conn, client, settings).drain(budget)
    except psycopg.Error as exc:
        err.print(f"[red]push failed:[/red] {exc}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(push_summary(stats)))
    else:
        console.print(push_table(stats))
    sys.exit(push_exit_code(stats))


@main.command("import-employees")
def import_employees_cmd() -> None:
    """Import employees from Keka now (the worker also does it hourly)."""
    settings = _keka_settings()
    configure_logging(log_level())
    from worker.keka.employee_import import import_employees
    from worker.tasks import hris_client

    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        report = import_employees(conn, hris_client(settings, conn))
    console.print({"run_id": report.run_id, "pages": report.pages, **report.counts})


@main.command()
def api() -> None:
    """Run PostgREST on postgrest.conf against the target database."""
    binary = shutil.which("postgrest")
    if binary is None:
        err.print(
            "postgrest is not on PATH. Install PostgREST v12+ (a static binary from its releases "
            "page or your OS packages) and re-run. The API is tested without it (worker/devtools/pgrest.py)."
        )
        sys.exit(1)
    env = child_environment(PGRST_DB_URI=authenticator_url(), PGRST_JWT_SECRET=jwt_secret())
    os.execvpe(binary, [binary, str(ROOT / "postgrest.conf")], env)


@main.command()
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/anomalies.json"), show_default=True
)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="first business date (default: all)")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="last business date (default: all)")
def anomalies(out: Path, fmt: str, date_from: dt.datetime | None, date_to: dt.datetime | None) -> None:
    """Write the anomaly report (duplicate clock-ins, unclosed breaks, lunch mismatches,
    missing clock-outs, events outside a shift). Detection is SQL: app.anomaly_report."""
    from worker.reports import anomaly_report, write_report

    with psycopg.connect(database_url()) as conn:
        report = anomaly_report(conn, date_from.date() if date_from else None, date_to.date() if date_to else None)
    write_report(report, out, fmt)
    console.print(f"{report['total']} anomalies {report['summary']} → {out}")


@main.command("backfill-business-date")
@click.option("--apply", "do_apply", is_flag=True, help="change the rows (default: dry run, nothing changes)")
@click.option("--limit", type=int, help="at most this many rows")
@click.option("--batch-size", type=int, default=500, show_default=True, help="rows per transaction with --apply")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="also write the changes as JSON")
def backfill_business_date(do_apply: bool, limit: int | None, batch_size: int, out: Path | None) -> None:
    """Find (and with --apply fix) ledger rows whose business_date_ist differs from the current rule.

    --apply runs as the owner, one transaction per batch, writes one audit row per change
    (actor system.backfill) and re-derives the affected days."""
    from rich.progress import Progress

    from worker import backfill

    with psycopg.connect(database_url(), autocommit=True) as conn:
        if not do_apply:
            changes = backfill.find(conn, limit)
            verb = "would change"
        else:
            try:
                with Progress(console=err, transient=True) as bar:
                    task = bar.add_task("backfilling", total=None)
                    result = backfill.apply(
                        conn, limit, batch_size, lambda done, total: bar.update(task, completed=done, total=total)
                    )
            except backfill.PeriodLockedError as exc:
                raise click.ClickException(
                    f"refused (409 PERIOD_LOCKED): {exc.detail} {len(exc.result.changes)} row(s) changed before the"
                    " batch that touches it, which was rolled back; reopen the period (api.unlock_period) to go on."
                ) from exc
            changes, verb = result.changes, "changed"
    in_locked = backfill.locked(changes)
    for change in changes[:20]:
        lock = change.get("period_lock_id")
        closed = f" (closed period, lock {lock})" if lock is not None else ""
        console.print(f"  event {change['id']}: {change['before']} → {change['after']}{closed}")
    if len(changes) > 20:
        console.print(f"  … and {len(changes) - 20} more")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        summary = {"applied": do_apply, "changes": changes} | ({} if do_apply else {"locked": in_locked})
        out.write_text(json.dumps(summary, indent=2) + "\n")
    console.print(f"{len(changes)} row(s) {verb}" + ("" if do_apply else " (dry run: nothing changed; add --apply)"))
    if not do_apply and in_locked:
        console.print(
            f"{in_locked} of them in a closed payroll period: --apply refuses the batch that reaches the first"
            " (409 PERIOD_LOCKED) and stops; reopen the period (api.unlock_period) first."
        )


@main.command()
@click.option("--employee", help="employee number, attendance number or e-mail")
@click.option("--role", type=click.Choice(["employee", "approver", "hr_admin"]), help="default: the employee's role")
@click.option("--kiosk", help="mint a kiosk token for this registered device id instead (readers use kiosk_login)")
@click.option("--ttl", default="1h", show_default=True, help="lifetime: 30m, 1h, 7d …")
def token(employee: str | None, role: str | None, kiosk: str | None, ttl: str) -> None:
    """Mint a JWT (signed with PGRST_JWT_SECRET) for curl against PostgREST."""
    from worker.tokens import employee_claims, mint, parse_ttl

    if bool(employee) == bool(kiosk):
        raise click.UsageError("give exactly one of --employee or --kiosk")
    try:
        lifetime = parse_ttl(ttl)
        if kiosk:
            claims: dict[str, object] = {"role": "kiosk", "kiosk_id": kiosk, "sub": f"kiosk:{kiosk}"}
        else:
            with psycopg.connect(database_url()) as conn:
                claims = employee_claims(conn, employee or "", role)
        click.echo(mint(claims, jwt_secret(), lifetime))
    except (LookupError, ConfigError) as exc:
        err.print(f"[red]{exc}[/red]")
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of the table")
def status(as_json: bool) -> None:
    """Migrations, sync lag, queue and dead-letter depths, circuit, last employee import.

    Exit codes: 0 all well; 3 something needs attention (listed); 4 the oldest
    unsynced punch is older than ops_max_sync_lag_seconds; 5 keka_sync_dlq holds
    more than ops_max_dead_letters (5 wins over 4, 4 over 3)."""
    from worker.status import collect, show, to_json

    try:
        current = collect(database_url())
    except (psycopg.errors.UndefinedFunction, psycopg.errors.InvalidSchemaName, psycopg.errors.UndefinedTable) as exc:
        why = exc.diag.message_primary
        err.print(f"[red]the database is not migrated (or is behind):[/red] {why}. Run `make migrate`.", soft_wrap=True)
        sys.exit(1)
    except (psycopg.OperationalError, MigrationError) as exc:
        err.print(f"[red]cannot read the status:[/red] {exc}")
        sys.exit(1)
    if as_json:
        click.echo(to_json(current))
    else:
        show(current, console)
    sys.exit(current.exit_code)


@main.command("create-indexes")
@click.option(
    "--concurrently/--no-concurrently",
    default=True,
    show_default=True,
    help="build without blocking writes (safe on a live table)",
)
def create_indexes_cmd(concurrently: bool) -> None:
    """Create the ledger's (employee_id, business_date_ist) and (sync_status, business_date_ist)
    indexes if missing or invalid."""
    from worker.db.indexes import create_indexes

    create_indexes(database_url(), concurrently, console.print)


main.add_command(calendar_lane.calendar_worker)
main.add_command(calendar_lane.calendar_sync)
main.add_command(slack.slack)
main.add_command(imports.import_file)
main.add_command(development.demo)
main.add_command(development.run)
main.add_command(development.sandbox)
main.add_command(development.graph_sandbox)
main.add_command(leave_cli.leave_accrual)
main.add_command(leave_cli.leave_year_end)

if __name__ == "__main__":
    main()
