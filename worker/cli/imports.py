"""``hithonix import FILE --format csv|dingtalk [--preview] [--commit] [--idempotency-key K]``.

Prepare always (the file streams to the database with COPY, a progress bar over
its bytes), then a preview table (counts, the first rows that are not VALID, the
predicted effect) with ``--preview``, then the commit with ``--commit`` (a large
batch commits as a worker job: its progress is followed). Exit codes: 0 done,
1 refused or failed (code and line/column on stderr), 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from worker.config import database_url
from worker.imports import session
from worker.imports.files import ImportFileError

console = Console(width=None if sys.stdout.isatty() else 130)
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/red]")
    sys.exit(1)


def _show_preview(page: dict[str, Any]) -> None:
    counts = page["counts"]
    console.print(
        f"batch {page['batch_id']}: {page['rows_total']} rows — valid {counts['VALID']}, "
        f"skipped {counts['SKIPPED']}, duplicate {counts['DUPLICATE']}, error {counts['ERROR']}"
    )
    if page["rows"]:
        table = Table("line", "col", "employee", "event", "local time", "outcome", "why")
        for row in page["rows"]:
            table.add_row(
                str(row["line_no"]),
                str(row["column_no"]),
                row["employee_ref"] or "",
                row["event_type_raw"] or "",
                row["local_time"] or "",
                row["outcome"],
                row["error"] or "",
            )
        console.print(table)
    effect = page.get("effect")
    if effect:
        console.print(
            f"effect (dry run): {effect['events']} events, {effect['employee_days']} employee-days, "
            f"anomalies {effect['anomalies'] or 'none'}, locks {effect['locks'] or 'none'}"
        )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "dingtalk"]), required=True)
@click.option("--time-zone", default=None, help="zone of rows that name none (default: import_default_time_zone)")
@click.option("--preview", "show_preview", is_flag=True, help="show counts, problem rows and the predicted effect")
@click.option("--commit", "do_commit", is_flag=True, help="write the valid rows to the ledger")
@click.option("--idempotency-key", default=None, help="a retried commit with this key returns the first result")
@click.option("--rows", default=20, show_default=True, help="rows in the preview table")
@click.option("--wait", default=3600.0, show_default=True, help="seconds to follow a commit run by the worker")
def import_file(
    file: Path,
    fmt: str,
    time_zone: str | None,
    show_preview: bool,
    do_commit: bool,
    idempotency_key: str | None,
    rows: int,
    wait: float,
) -> None:
    """Import attendance from FILE (our CSV or a DingTalk export) into the ledger."""
    try:
        with psycopg.connect(database_url(), autocommit=True) as conn:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("prepare", total=file.stat().st_size)
                prepared = session.prepare(conn, file, fmt, time_zone, lambda n: bar.advance(task, n))
            counts = prepared["counts"]
            console.print(
                f"prepared batch {prepared['batch_id']}: {prepared['rows']} rows — valid {counts['VALID']}, "
                f"skipped {counts['SKIPPED']}, duplicate {counts['DUPLICATE']}, error {counts['ERROR']}"
            )
            console.print(f"token {prepared['token']} (expires {prepared['expires_at']})")
            if show_preview:
                problems = None if counts["ERROR"] + counts["DUPLICATE"] == 0 else "ERROR"
                _show_preview(session.preview(conn, prepared["token"], rows, 0, problems))
            if do_commit:
                result = session.commit(conn, prepared["token"], idempotency_key)
                if result["status"] == "QUEUED":
                    result = _follow(conn, prepared["batch_id"], prepared["counts"]["VALID"], wait)
                if result["status"] != "COMMITTED":
                    _fail(f"import {prepared['batch_id']} is {result['status']}: {result.get('error') or ''}")
                effect = result.get("effect") or {}
                console.print(
                    f"committed batch {result['batch_id']}: {effect.get('events')} events, "
                    f"{effect.get('employee_days')} employee-days"
                )
    except ImportFileError as exc:
        _fail(str(exc))
    except session.ImportRefused as exc:
        _fail(f"{exc.code}: {exc.detail}")
    except psycopg.Error as exc:
        _fail(f"database error: {exc}")


def _follow(conn: psycopg.Connection, batch_id: int, total: int, wait: float) -> dict[str, Any]:
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("commit (worker job)", total=max(total, 1))
        current = session.follow(
            conn, batch_id, lambda s: bar.update(task, completed=s["progress_rows"]), timeout_seconds=wait
        )
    if current["status"] == "COMMITTED":
        return current["result"]
    return current
