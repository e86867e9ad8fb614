"""Kiosk API keys: shown once and stored as a hash, exchanged for a JWT the
database signs (verified here with PyJWT and the PostgREST secret), rotated,
revoked, and rate-limited on failures."""

from __future__ import annotations

import hashlib

import jwt
import psycopg
import pytest

from tests.factories import claims, employee
from tests.frontdesk.helpers import admin, login, register_device, scan
from worker.config import jwt_secret
from worker.devtools.pgrest import PostgrestEmulator


def test_key_is_shown_once_and_stored_as_its_hash(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    hr = admin(owner)
    device_id, key = register_device(api, hr)
    row = owner.execute("select key_hash, key_prefix, to_jsonb(d)::text from app.kiosk_devices as d").fetchone()
    assert row[0] == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"hxk_{row[1]}_") and key not in row[2]
    listed = api.rpc("kiosk_devices", claims=hr)
    assert listed.status == 200 and [d["id"] for d in listed.body] == [device_id]
    assert "key" not in listed.body[0] and "key_hash" not in listed.body[0]


def test_login_mints_a_token_pyjwt_verifies(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    device_id, key = register_device(api, admin(owner))
    r = api.rpc("kiosk_login", {"key": key})
    assert r.status == 200, r.body
    decoded = jwt.decode(r.body["token"], jwt_secret(), algorithms=["HS256"])
    assert decoded["role"] == "kiosk" and decoded["kiosk_id"] == device_id
    assert decoded["exp"] - decoded["iat"] == 900
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(r.body["token"], "another-secret-of-at-least-32-characters", algorithms=["HS256"])
    seen = owner.execute("select last_seen_at is not null from app.kiosk_devices").fetchone()
    assert seen == (True,)


def test_rotation_stops_the_old_key_and_its_tokens(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    hr = admin(owner)
    device_id, old_key = register_device(api, hr)
    old_token = login(api, old_key)
    r = api.rpc("rotate_kiosk_key", {"device_id": device_id, "reason": "key photographed"}, claims=hr)
    assert r.status == 200, r.body
    new_key = r.body["key"]
    assert new_key != old_key
    assert api.rpc("kiosk_login", {"key": old_key}).code == "INVALID_KIOSK_KEY"
    assert scan(api, old_token, "B-nobody")[1]["message"] == "KIOSK_TOKEN_STALE"
    assert scan(api, login(api, new_key), "B-nobody")[1]["message"] == "UNKNOWN_BADGE"


def test_revoked_device_is_refused_at_login_and_in_pre_request(
    api: PostgrestEmulator, owner: psycopg.Connection
) -> None:
    hr = admin(owner)
    device_id, key = register_device(api, hr)
    token = login(api, key)
    r = api.rpc("revoke_kiosk_device", {"device_id": device_id, "reason": "stolen from the lobby"}, claims=hr)
    assert r.status == 200 and r.body["revoked_at"], r.body
    status, body = scan(api, token, "B-anyone")
    assert (status, body["message"]) == (403, "KIOSK_REVOKED")
    login_again = api.rpc("kiosk_login", {"key": key})
    assert (login_again.status, login_again.code) == (403, "KIOSK_REVOKED")
    assert owner.execute("select count(*) from app.badge_scans").fetchone() == (0,)


def test_failed_attempts_are_rate_limited_per_key_prefix(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    owner.execute("update app.settings set value = '3' where key = 'kiosk_login_max_failures_per_minute'")
    _, key = register_device(api, admin(owner))
    wrong = key[:-4] + ("0000" if not key.endswith("0000") else "1111")
    answers = [api.rpc("kiosk_login", {"key": wrong}) for _ in range(4)]
    assert [(a.status, a.code) for a in answers] == [(401, "INVALID_KIOSK_KEY")] * 3 + [(429, "RATE_LIMITED")]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60, answers[-1].headers
    # the right key of that prefix waits out the minute too; another device's key does not
    assert api.rpc("kiosk_login", {"key": key}).status == 429
    _, other = register_device(api, admin(owner, "hr2@example.com"), name="Back door", location="Back door")
    assert api.rpc("kiosk_login", {"key": other}).status == 200
    # malformed keys and invented prefixes share one bucket: varying the prefix buys no attempts
    junk = [api.rpc("kiosk_login", {"key": f"not-a-key-{i}"}) for i in range(3)]
    invented = api.rpc("kiosk_login", {"key": "hxk_0123456789ab_" + "0" * 64})
    assert [a.status for a in junk] + [invented.status] == [401, 401, 401, 429]
    assert owner.execute("select count(*) from app.kiosk_login_failures").fetchone() == (2,)


def test_employee_cannot_register_a_device(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    emp = claims("employee", employee(owner, "eve@example.com"))
    r = api.rpc("register_kiosk_device", {"name": "Mine", "location": "Desk"}, claims=emp)
    assert (r.status, r.body["code"]) == (403, "42501")  # no EXECUTE grant: refused before any code runs
    assert owner.execute("select count(*) from app.kiosk_devices").fetchone() == (0,)
