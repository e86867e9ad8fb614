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
