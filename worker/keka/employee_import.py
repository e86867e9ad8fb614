"""Importing employees from Keka's HRIS API.

All pages are fetched first (with the cached token, the 50/min limit and
429 Retry-After handled by the client), then applied by one database call in
one transaction: a run that fails half-way (Keka unreachable) changes no
employee, and is recorded as FAILED in keka_employee_imports with its error.
One odd profile does not fail the run: the database skips that record whole
and reports it (``skipped`` and ``errors`` of the run; see
sql/functions/320_keka_employee_import.sql).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from worker.keka import queries
from worker.keka.client import KekaHrisClient
from worker.observability import EMPLOYEES_IMPORTED, log


class DbTokenStore:
    """The HRIS token cached in app.keka_tokens, shared by every worker process."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def load(self) -> tuple[str, datetime] | None:
        row = self.conn.execute(queries.TOKEN_LOAD).fetchone()
        return (row[0], row[1]) if row else None

    def save(self, token: str, expires_at: datetime) -> None:
        self.conn.execute(queries.TOKEN_SAVE, {"token": token, "expires_at": expires_at})


@dataclass(frozen=True)
class ImportReport:
    run_id: int
    pages: int
    counts: dict[str, Any]


def import_employees(conn: psycopg.Connection, hris: KekaHrisClient, page_size: int = 100) -> ImportReport:
    run_row = conn.execute(queries.IMPORT_START).fetchone()
    assert run_row
    run_id = int(run_row[0])
    pages = 0
    employees: list[dict[str, Any]] = []
    try:
        for page in hris.iter_employee_pages(page_size=page_size):
            pages += 1
            employees.extend(page.get("data") or [])  # type: ignore[arg-type]
        with conn.transaction():
            row = conn.execute(
                queries.IMPORT_APPLY, {"run_id": run_id, "employees": Jsonb(employees), "pages": pages}
            ).fetchone()
    except Exception as exc:
        conn.execute(
            queries.IMPORT_FAIL,
            {"run_id": run_id, "pages": pages, "error": f"{type(exc).__name__}: {exc}"},
        )
        log.error("keka_employee_import_failed", run_id=run_id, pages=pages, error=str(exc))
        raise
    counts = row[0] if row else {}
    for change in ("created", "updated", "deactivated", "skipped"):
        EMPLOYEES_IMPORTED.labels(change).inc(int(counts.get(change, 0)))
    if counts.get("skipped"):
        log.warning("keka_employee_import_skipped", run_id=run_id, skipped=counts["skipped"])
    log.info("keka_employee_import", run_id=run_id, pages=pages, requests=hris.requests_made, **counts)
    return ImportReport(run_id, pages, counts)
