"""`demo --seed-only` and `demo --reset` as the frontend team runs them: the
seed prints identities, tokens that verify with the PostgREST secret and the
README's variables; a second seed refuses; reset starts over; reset refuses a
database that is not ours."""

from __future__ import annotations

import re

import jwt

from tests import dbtools
from tests.test_cli import SECRET, cli
from worker.db.urls import derive_url


def test_seed_reset_seed(admin_url: str) -> None:
    url = derive_url(admin_url, dbname="hithonix_seed_cli")
    dbtools.create_database(admin_url, "hithonix_seed_cli")
    try:
        first = cli("demo", "--seed-only", db_url=url)
        assert first.returncode == 0, first.stderr + first.stdout
        exports = dict(re.findall(r"^export (\w+)='([^']*)'$", first.stdout, flags=re.M))
        assert {"ADMIN_TOKEN", "APPROVER_TOKEN", "EMPLOYEE_TOKEN", "KIOSK_KEY", "KIOSK_TOKEN"} <= set(exports)
        roles = {
            jwt.decode(exports[f"{r}_TOKEN"], SECRET, algorithms=["HS256"])["role"]
            for r in ("ADMIN", "APPROVER", "EMPLOYEE", "KIOSK")
        }
        assert roles == {"hr_admin", "approver", "employee", "kiosk"}
        assert "10 people, 5 badges, 2 events, 3 visitors" in first.stdout

        again = cli("demo", "--seed-only", db_url=url)
        assert again.returncode == 1 and "already there" in again.stdout

        fresh = cli("demo", "--reset", "--seed-only", db_url=url)
        assert fresh.returncode == 0, fresh.stderr + fresh.stdout
        assert (
            dict(re.findall(r"^export (\w+)='([^']*)'$", fresh.stdout, flags=re.M))["KIOSK_KEY"] != exports["KIOSK_KEY"]
        )
    finally:
        dbtools.drop_database(admin_url, "hithonix_seed_cli")


def test_reset_refuses_a_database_that_is_not_ours(admin_url: str) -> None:
    refused = cli("demo", "--reset", db_url=derive_url(admin_url, dbname="payroll"))
    assert refused.returncode == 1
    assert "only recreates hithonix* databases" in refused.stdout
