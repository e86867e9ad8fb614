"""Minting JWTs for local use with PostgREST and curl (claims from the contract)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jwt
import psycopg

from worker.config import ConfigError

_TTL = re.compile(r"^(\d+)([smhd])$")


def parse_ttl(text: str) -> dt.timedelta:
    match = _TTL.match(text)
    if not match:
        raise ConfigError(f"--ttl takes a number and s/m/h/d, e.g. 1h; got {text!r}")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return dt.timedelta(**{unit: int(match.group(1))})


def employee_claims(conn: psycopg.Connection, who: str, role: str | None) -> dict[str, Any]:
    row = conn.execute(
        "select id, role::text, coalesce(slack_user_id, email::text), employment_status::text"
        " from app.employees where employee_number = %(who)s or email = %(who)s::citext"
        " or attendance_number = %(who)s",
        {"who": who},
    ).fetchone()
    if row is None:
        raise LookupError(f"no employee with number, attendance number or e-mail {who!r}")
    employee_id, own_role, sub, status = row
    if status != "ACTIVE":
        raise LookupError(f"{who} is {status}: PostgREST's pre-request check would refuse the token")
    ranks = ["employee", "approver", "hr_admin"]
    wanted = role or own_role
    if ranks.index(wanted) > ranks.index(own_role):
        raise LookupError(f"{who} is {own_role}; a {wanted} token would be refused")
    return {"role": wanted, "employee_id": str(employee_id), "sub": sub}


def mint(claims: dict[str, Any], secret: str, ttl: dt.timedelta) -> str:
    now = dt.datetime.now(dt.UTC)
    return jwt.encode({**claims, "iat": now, "exp": now + ttl}, secret, algorithm="HS256")
