"""Seeding helpers for pytest: employees and JWT claims as PostgREST would see them."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

PLAN = "Finish API integration and manager dashboard"


def employee(
    conn: psycopg.Connection,
    email: str,
    *,
    manager: uuid.UUID | None = None,
    role: str = "employee",
    shift_type: str = "GENERAL",
    attendance_number: str | None = None,
) -> uuid.UUID:
    row = conn.execute(
        """
        insert into app.employees (email, full_name, manager_employee_id, role, shift_config,
                                   attendance_number, badge_id)
        values (%s, %s, %s, %s, %s, %s, %s) returning id
        """,
        [
            email,
            email.split("@")[0],
            manager,
            role,
            Jsonb({"shift_type": shift_type}),
            attendance_number or f"A-{email.split('@')[0]}",
            f"B-{email.split('@')[0]}",
        ],
    ).fetchone()
    assert row
    return row[0]


def claims(role: str, employee_id: uuid.UUID | None = None, **extra: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"role": role, **extra}
    if employee_id:
        c["employee_id"] = str(employee_id)
        c.setdefault("sub", f"U-{str(employee_id)[:8]}")
    return c


def allow_backdating(conn: psycopg.Connection) -> None:
    conn.execute("update app.settings set value = '527040' where key = 'employee_backdate_minutes'")


def kiosk_device(conn: psycopg.Connection, name: str = "Lobby reader") -> dict[str, Any]:
    """A registered kiosk device (inserted as the owner) and the claims of a token for it."""
    row = conn.execute(
        "insert into app.kiosk_devices (name, location, key_hash, key_prefix, created_by)"
        " values (%s, 'Lobby', encode(sha256(gen_random_uuid()::text::bytea), 'hex'),"
        " substr(md5(gen_random_uuid()::text), 1, 12), 'test') returning id",
        [name],
    ).fetchone()
    assert row
    return {"role": "kiosk", "kiosk_id": str(row[0]), "sub": f"kiosk:{row[0]}"}
