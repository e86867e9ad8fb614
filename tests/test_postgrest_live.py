"""Real HTTP against a real PostgREST, when its binary is on PATH.

The binary is not in the package registries these machines reach, so CI skips
this file and says why; worker/devtools/pgrest.py covers the same requests without it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import jwt
import psycopg
import pytest

from tests.factories import PLAN, employee
from worker.config import ROOT
from worker.db.urls import derive_url

POSTGREST = shutil.which("postgrest")
pytestmark = pytest.mark.skipif(
    POSTGREST is None,
    reason="postgrest binary not on PATH: live HTTP test skipped (worker/devtools/pgrest.py covers the API)",
)
SECRET = "live-test-secret-that-is-long-enough-32+"


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PGRST_DB_URI": derive_url(db_url, user="authenticator"),
        "PGRST_JWT_SECRET": SECRET,
        "PGRST_SERVER_PORT": str(port),
    }
    assert POSTGREST
    proc = subprocess.Popen([POSTGREST, str(ROOT / "postgrest.conf")], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_health_over_http(server: str) -> None:
    r = httpx.post(server + "/rpc/health", json={})
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_punch_and_conflict_over_http(server: str, owner: psycopg.Connection) -> None:
    me = employee(owner, "live@example.com")
    token = jwt.encode({"role": "employee", "employee_id": str(me), "sub": "U-LIVE"}, SECRET, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(server + "/rpc/clock_in", json={"plan": PLAN}, headers=headers).status_code == 200
    again = httpx.post(server + "/rpc/clock_in", json={"plan": PLAN}, headers=headers)
    assert again.status_code == 409 and again.json()["message"] == "ALREADY_CLOCKED_IN"
    assert httpx.get(server + "/daily_status").status_code == 401


def test_kiosk_login_token_is_accepted_by_postgrest(server: str, owner: psycopg.Connection) -> None:
    """The JWT the database signs (issue 15) with the secret PostgREST uses: here the test's own secret,
    stored the way ``make migrate`` stores PGRST_JWT_SECRET."""
    owner.execute("select app.set_jwt_secret(%s)", [SECRET])
    employee(owner, "kim@example.com")  # badge B-kim
    hr = employee(owner, "hr@example.com", role="hr_admin")
    admin = jwt.encode({"role": "hr_admin", "employee_id": str(hr)}, SECRET, algorithm="HS256")
    device = httpx.post(
        server + "/rpc/register_kiosk_device",
        json={"name": "Lobby reader", "location": "Lobby"},
        headers={"Authorization": f"Bearer {admin}"},
    ).json()
    login = httpx.post(server + "/rpc/kiosk_login", json={"key": device["key"]})
    assert login.status_code == 200, login.text
    kiosk = {"Authorization": f"Bearer {login.json()['token']}"}
    scanned = httpx.post(server + "/rpc/badge_scan", json={"badge_code": "B-kim"}, headers=kiosk)
    assert scanned.status_code == 200 and scanned.json()["outcome"] == "IN", scanned.text
    wrong_key = device["key"][:-1] + ("1" if device["key"].endswith("0") else "0")
    wrong = httpx.post(server + "/rpc/kiosk_login", json={"key": wrong_key})
    assert wrong.status_code == 401 and wrong.json()["message"] == "INVALID_KIOSK_KEY"
