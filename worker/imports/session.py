"""An operator's import: prepare (COPY + app.import_stage), preview, commit, follow a job."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from worker.imports import queries
from worker.imports.files import copy_lines


class ImportRefused(Exception):
    """The database refused the request: its stable code, sentence and hint."""

    def __init__(self, code: str, detail: str, hint: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.hint = code, detail, hint


def _claims() -> str:
    return json.dumps({"role": "hr_admin", "sub": f"cli:{getpass.getuser()}"})


def _call(conn: psycopg.Connection, query: str, params: list[Any]) -> Any:
    try:
        with conn.transaction():
            conn.execute(queries.ACT_AS_OPERATOR, [_claims()])
            row = conn.execute(query, params).fetchone()
    except psycopg.Error as exc:
        raise _refused(exc) from exc
    return row[0] if row else None


def _refused(exc: psycopg.Error) -> ImportRefused | psycopg.Error:
    diag = exc.diag
    if diag.sqlstate and diag.sqlstate.startswith("PT"):
        hint = json.loads(diag.message_hint) if diag.message_hint else None
        return ImportRefused(diag.message_primary or "", diag.message_detail or "", hint)
    return exc


def prepare(
    conn: psycopg.Connection,
    path: Path,
    fmt: str,
    time_zone: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Stream the file with COPY and stage it, in one transaction: all or nothing."""
    try:
        with conn.transaction():
            conn.execute(queries.ACT_AS_OPERATOR, [_claims()])
            copy_lines(conn, path, on_bytes)
            row = conn.execute(queries.STAGE, [fmt, time_zone, path.name[:255]]).fetchone()
    except psycopg.Error as exc:
        raise _refused(exc) from exc
    assert row is not None
    return row[0]


def preview(
    conn: psycopg.Connection, token: str, limit: int = 20, offset: int = 0, outcome: str | None = None
) -> dict[str, Any]:
    return _call(conn, queries.PREVIEW, [token, limit, offset, outcome, True])


def commit(conn: psycopg.Connection, token: str, idempotency_key: str | None) -> dict[str, Any]:
    return _call(conn, queries.COMMIT, [token, idempotency_key])


def status(conn: psycopg.Connection, batch_id: int) -> dict[str, Any]:
    return _call(conn, queries.STATUS, [batch_id])


def follow(
    conn: psycopg.Connection,
    batch_id: int,
    on_progress: Callable[[dict[str, Any]], None],
    timeout_seconds: float,
    poll_seconds: float = 0.5,
) -> dict[str, Any]:
    """Poll a queued commit until it is COMMITTED or FAILED (or the timeout)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        current = status(conn, batch_id)
        on_progress(current)
        if current["status"] in ("COMMITTED", "FAILED", "ROLLED_BACK") or time.monotonic() > deadline:
            return current
        time.sleep(poll_seconds)
