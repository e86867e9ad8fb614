"""Issue 19, noise: a business refusal (app.fail, SQLSTATE PTxxx) writes no ERROR line
in PostgreSQL's log; a fault (any other SQLSTATE) still does. A cluster of its own,
so the test can read the server log."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg

from tests.factories import PLAN, claims, employee
from tests.processes import free_port
from worker.config import ClusterSettings
from worker.db.cluster import Cluster
from worker.db.migrate import Migrator
from worker.db.urls import derive_url
from worker.devtools.pgrest import PostgrestEmulator


def test_refusals_stay_out_of_the_server_log_and_faults_do_not() -> None:
    base = Path(tempfile.mkdtemp(prefix="hithonix-quiet-", dir="/tmp"))
    settings = ClusterSettings(base_dir=base, port=free_port(), socket_dir=None, database="postgres")
    cluster = Cluster(settings)
    try:
        cluster.start()
        with psycopg.connect(settings.url("postgres"), autocommit=True) as admin:
            admin.execute("create database quiet")
        url = derive_url(settings.url("postgres"), dbname="quiet")
        Migrator(url).migrate()
        api = PostgrestEmulator(derive_url(url, user="authenticator"))
        with psycopg.connect(url, autocommit=True) as owner:
            me = employee(owner, "quiet@example.com")
        assert api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me)).status == 200
        refused = api.rpc("clock_in", {"plan": PLAN}, claims=claims("employee", me))
        assert (refused.status, refused.code) == (409, "ALREADY_CLOCKED_IN")
        with psycopg.connect(derive_url(url, user="hithonix_worker"), autocommit=True) as worker:
            try:
                worker.execute("select 1 / 0")
            except psycopg.errors.DivisionByZero:
                pass
            else:
                raise AssertionError("1 / 0 should fail")
        log = settings.log_file.read_text()
        assert "division by zero" in log, "a fault is still logged"
        assert "ALREADY_CLOCKED_IN" not in log, "a refusal is not"
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
