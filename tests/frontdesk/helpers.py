"""Seeding and calling helpers for the front desk tests (through the PostgREST emulator)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tests.factories import claims, employee
from worker.config import jwt_secret
from worker.devtools.pgrest import PostgrestEmulator, claims_from_token


def admin(owner: psycopg.Connection, email: str = "hr@example.com") -> dict[str, Any]:
    """Claims of a (new) hr_admin."""
    return claims("hr_admin", employee(owner, email, role="hr_admin"))


def register_device(
    api: PostgrestEmulator, admin_claims: dict[str, Any], name: str = "Lobby reader", location: str = "Lobby"
) -> tuple[str, str]:
    """A new device: (device id, API key)."""
    r = api.rpc("register_kiosk_device", {"name": name, "location": location}, claims=admin_claims)
    assert r.status == 200, r.body
    return r.body["id"], r.body["key"]


def login(api: PostgrestEmulator, key: str) -> dict[str, Any]:
    """kiosk_login as anon, and the token's claims verified as PostgREST would (HS256, exp)."""
    r = api.rpc("kiosk_login", {"key": key})
    assert r.status == 200, r.body
    return claims_from_token(r.body["token"], jwt_secret())


def kiosk(api: PostgrestEmulator, owner: psycopg.Connection, location: str = "Lobby") -> dict[str, Any]:
    """The claims of a freshly registered and logged-in kiosk."""
    _, key = register_device(api, admin(owner, f"hr-{uuid.uuid4().hex[:8]}@example.com"), location=location)
    return login(api, key)


def scan(api: PostgrestEmulator, kiosk_claims: dict[str, Any], code: str) -> tuple[int, dict[str, Any]]:
    r = api.rpc("badge_scan", {"badge_code": code}, claims=kiosk_claims)
    return r.status, r.body
