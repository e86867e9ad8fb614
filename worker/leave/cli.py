"""Operator commands for leave: ``leave-accrual`` and ``leave-year-end``.

Dry run by default (lists what is due, changes nothing); ``--apply`` writes it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import click
import psycopg
from rich.console import Console

from worker.config import database_url
from worker.leave.runs import Kind, run, today_ist

console = Console()


def _command(kind: Kind, as_of: dt.datetime | None, do_apply: bool, out: Path | None) -> None:
    day = as_of.date() if as_of else today_ist()
    with psycopg.connect(database_url(), autocommit=True) as conn:
        rows = run(conn, kind, day, do_apply)
    for row in rows[:20]:
        console.print(
            f"  {row.employee_id} {row.policy_code} {row.entry_type} {row.days}"
            f" on {row.effective_date} ({row.period_key})"
        )
    if len(rows) > 20:
        console.print(f"  … and {len(rows) - 20} more")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"kind": kind, "as_of": day.isoformat(), "applied": do_apply, "rows": [asdict(r) for r in rows]}
        out.write_text(json.dumps(payload, indent=2) + "\n")
    verb = "written" if do_apply else "due (dry run: nothing changed; add --apply)"
    console.print(f"{len(rows)} {kind} row(s) {verb}")


AS_OF = click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="the date to run for (default: today, IST)"
)
APPLY = click.option("--apply", "do_apply", is_flag=True, help="write the rows (default: dry run, nothing changes)")
OUT = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="also write the rows as JSON")


@click.command("leave-accrual")
@AS_OF
@APPLY
@OUT
def leave_accrual(as_of: dt.datetime | None, do_apply: bool, out: Path | None) -> None:
    """Accrue leave up to --as-of: yearly allocations and monthly accruals not yet written."""
    _command("accrual", as_of, do_apply, out)


@click.command("leave-year-end")
@AS_OF
@APPLY
@OUT
def leave_year_end(as_of: dt.datetime | None, do_apply: bool, out: Path | None) -> None:
    """Close the previous leave year (carry forward up to the cap, expire the rest) and expire unused carried days."""
    _command("year-end", as_of, do_apply, out)
