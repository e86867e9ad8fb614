"""Accrual and year end from the two places that run them: the worker's
procrastinate jobs (as hithonix_worker) and the operator CLI (dry run, then
--apply, then nothing left to do)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from tests.factories import employee
from tests.test_cli import cli
from worker.devtools.keka_sandbox import keka_settings
from worker.tasks import create_app


def ledger_rows(owner: psycopg.Connection) -> int:
    row = owner.execute("select count(*) from app.leave_ledger").fetchone()
    assert row
    return int(row[0])


def test_cli_dry_run_then_apply_then_nothing(owner: psycopg.Connection, db_url: str, tmp_path: Path) -> None:
    for i in range(3):
        employee(owner, f"acc{i}@example.com")
    dry = cli("leave-accrual", "--as-of", "2026-03-10", "--out", str(tmp_path / "dry.json"), db_url=db_url)
    assert dry.returncode == 0, dry.stderr
    # 3 employees x (annual Jan-Mar, sick, casual)
    assert "15 accrual row(s) due (dry run" in dry.stdout
    assert ledger_rows(owner) == 0, "a dry run changes nothing"
    assert len(json.loads((tmp_path / "dry.json").read_text())["rows"]) == 15

    applied = cli("leave-accrual", "--as-of", "2026-03-10", "--apply", db_url=db_url)
    assert applied.returncode == 0 and "15 accrual row(s) written" in applied.stdout, applied.stdout + applied.stderr
    assert ledger_rows(owner) == 15
    again = cli("leave-accrual", "--as-of", "2026-03-10", "--apply", db_url=db_url)
    assert "0 accrual row(s) written" in again.stdout
    assert ledger_rows(owner) == 15

    closing = cli("leave-year-end", "--as-of", "2027-01-01", "--apply", db_url=db_url)
    # per employee: annual 4.5 (under the cap: carried out and in), sick 12 and casual 8 expire
    assert "12 year-end row(s) written" in closing.stdout, closing.stdout + closing.stderr
    assert cli("leave-year-end", "--as-of", "2027-01-01", db_url=db_url).stdout.startswith("0 year-end row(s) due")
    bad = cli("leave-accrual", "--as-of", "not-a-date", db_url=db_url)
    assert bad.returncode == 2


def test_worker_jobs_run_as_the_worker_role(owner: psycopg.Connection, db_url: str) -> None:
    employee(owner, "job@example.com")
    worker_url = make_conninfo(db_url, user="hithonix_worker")
    app = create_app(worker_url, keka_settings("http://127.0.0.1:9"))
    assert {"leave_accrual", "leave_year_end"} <= set(app.tasks)
    first = app.tasks["leave_accrual"](timestamp=0)
    assert first["written"] >= 2  # at least the yearly sick and casual allocations
    assert app.tasks["leave_accrual"](timestamp=0)["written"] == 0, "a second run writes nothing"
    assert ledger_rows(owner) == first["written"]
    assert app.tasks["leave_year_end"](timestamp=0)["kind"] == "year-end"
