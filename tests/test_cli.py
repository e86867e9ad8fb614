"""The operator CLI, run as a newcomer would: `python -m worker …` against DATABASE_URL
(and, for the cluster commands, against an embedded cluster of its own)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jwt
import psycopg
import pytest

from tests.factories import employee
from tests.processes import free_port
from worker.db.indexes import INDEXES
from worker.db.urls import derive_url

SECRET = "cli-test-secret-that-is-long-enough-for-postgrest"


def cli(*args: str, db_url: str | None = None, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGRST_JWT_SECRET")}
    if db_url:
        env["DATABASE_URL"] = db_url
    env["PGRST_JWT_SECRET"] = SECRET
    env.update(extra or {})
    return subprocess.run([sys.executable, "-m", "worker", *args], env=env, capture_output=True, text=True, timeout=120)


def seed_history(owner: psycopg.Connection) -> None:
    dup = employee(owner, "dup@example.com")
    night = employee(owner, "night@example.com", shift_type="NIGHT")
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values"
        " (%(dup)s, 'CLOCK_IN', '2026-11-20 10:00+05:30', 'import', 't'),"
        " (%(dup)s, 'CLOCK_IN', '2026-11-20 10:05+05:30', 'import', 't'),"
        " (%(dup)s, 'CLOCK_OUT', '2026-11-20 19:00+05:30', 'import', 't')",
        {"dup": dup},
    )
    # out-of-order import: the break lands on the wrong business date
    for kind, at in [
        ("BREAK_START", "2026-11-21 00:30"),
        ("CLOCK_IN", "2026-11-20 22:00"),
        ("CLOCK_OUT", "2026-11-21 06:00"),
    ]:
        owner.execute(
            "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
            " values (%s, %s, %s::timestamp at time zone 'Asia/Kolkata', 'import', 't')",
            [night, kind, at],
        )


def ledger_checksum(owner: psycopg.Connection) -> str:
    rows = owner.execute("select to_jsonb(e)::text from app.attendance_events e order by id").fetchall()
    return hashlib.sha256("".join(r[0] for r in rows).encode()).hexdigest()


def test_anomalies_json_and_csv(owner: psycopg.Connection, db_url: str, tmp_path: Path) -> None:
    seed_history(owner)
    out = tmp_path / "anomalies.json"
    done = cli("anomalies", "--out", str(out), db_url=db_url)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    # the duplicate, and the break an out-of-order import stored outside its night shift
    assert report["summary"] == {"DUPLICATE_CLOCK_IN": 1, "EVENT_WITHOUT_SHIFT": 1}
    (entry,) = [a for a in report["anomalies"] if a["kind"] == "DUPLICATE_CLOCK_IN"]
    assert entry["employee_email"] == "dup@example.com" and entry["business_date"] == "2026-11-20"
    assert len(entry["event_ids"]) == 1 and "clocked in more than once" in entry["message"]
    csv_out = tmp_path / "anomalies.csv"
    assert (
        cli("anomalies", "--format", "csv", "--out", str(csv_out), "--from", "2026-11-21", db_url=db_url).returncode
        == 0
    )
    lines = csv_out.read_text().splitlines()
    assert lines[0] == "business_date,employee_email,employee_name,kind,event_ids,message,employee_id"
    assert len(lines) == 2 and ",EVENT_WITHOUT_SHIFT," in lines[1]


def test_backfill_dry_run_then_apply(owner: psycopg.Connection, db_url: str, tmp_path: Path) -> None:
    seed_history(owner)
    before = ledger_checksum(owner)
    dry = cli("backfill-business-date", "--out", str(tmp_path / "dry.json"), db_url=db_url)
    assert dry.returncode == 0 and "1 row(s) would change" in dry.stdout
    assert ledger_checksum(owner) == before, "a dry run changes nothing"
    dry_out = json.loads((tmp_path / "dry.json").read_text())
    (change,) = dry_out["changes"]
    assert (change["before"], change["after"]) == ("2026-11-21", "2026-11-20")
    assert change["period_lock_id"] is None and dry_out["locked"] == 0 and "closed payroll period" not in dry.stdout

    dates = "select id, business_date_ist from app.attendance_events"
    stored = dict(owner.execute(dates).fetchall())
    applied = cli("backfill-business-date", "--apply", db_url=db_url)
    assert applied.returncode == 0 and "1 row(s) changed" in applied.stdout, applied.stdout + applied.stderr
    now = dict(owner.execute(dates).fetchall())
    assert {i for i in now if now[i] != stored[i]} == {change["id"]}, "exactly the mismatched row changed"
    audits = owner.execute(
        "select count(*) from app.audit_logs"
        " where action = 'BACKFILL_BUSINESS_DATE' and actor_slack_id = 'system.backfill'"
    ).fetchone()
    assert audits == (1,)
    again = cli("backfill-business-date", db_url=db_url)
    assert "0 row(s) would change" in again.stdout
    assert owner.execute(
        "select count(*) from app.daily_status_differences('2026-11-01', '2026-11-30')"
    ).fetchone() == (0,)
    kinds = {r[0] for r in owner.execute("select kind from app.anomaly_report()").fetchall()}
    # the repaired night shift now shows what is really wrong with it: a break never ended
    assert kinds == {"DUPLICATE_CLOCK_IN", "UNCLOSED_BREAK"}


def test_token_carries_the_contract_claims(owner: psycopg.Connection, db_url: str) -> None:
    me = employee(owner, "tok@example.com", role="approver")
    done = cli("token", "--employee", "tok@example.com", "--ttl", "30m", db_url=db_url)
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=["HS256"])
    assert (claims["role"], claims["employee_id"], claims["sub"]) == ("approver", str(me), "tok@example.com")
    assert claims["exp"] - claims["iat"] == 1800
    assert cli("token", "--employee", "tok@example.com", "--role", "hr_admin", db_url=db_url).returncode == 1
    assert cli("token", "--employee", "nobody@example.com", db_url=db_url).returncode == 1
    kiosk = jwt.decode(cli("token", "--kiosk", "lobby", db_url=db_url).stdout.strip(), SECRET, algorithms=["HS256"])
    assert (kiosk["role"], kiosk["kiosk_id"]) == ("kiosk", "lobby")
    assert cli("token", db_url=db_url).returncode == 2


def test_status_exit_codes(owner: psycopg.Connection, db_url: str) -> None:
    ok = cli("status", db_url=db_url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "keka_sync_dlq" in ok.stdout and "never" in ok.stdout and "exit code 0" in ok.stdout
    # a punch nobody pushed, older than the threshold: 4
    me = employee(owner, "late@example.com")
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " values (%s, 'CLOCK_IN', now() - interval '1 minute', 'import', 't')",
        [me],
    )
    assert cli("status", db_url=db_url).returncode == 0, "a fresh punch is within ops_max_sync_lag_seconds"
    owner.execute("update app.settings set value = '0.5' where key = 'ops_max_sync_lag_seconds'")
    time.sleep(1)  # the punch is now older than the half-second threshold
    lagging = cli("status", "--json", db_url=db_url)
    assert lagging.returncode == 4, lagging.stdout + lagging.stderr
    report = json.loads(lagging.stdout)
    assert report["exit_code"] == 4 and report["sync"]["oldest_unsynced_seconds"] > 0.5
    assert any("oldest unsynced punch" in issue for issue in report["needs_attention"])
    # a dead letter beyond ops_max_dead_letters (0) wins: 5
    owner.execute("select pgmq.send('keka_sync_dlq', '{\"event_id\": 1}')")
    bad = cli("status", db_url=db_url)
    assert bad.returncode == 5 and "keka_sync_dlq" in bad.stdout
    owner.execute("update app.settings set value = '1' where key = 'ops_max_dead_letters'")
    owner.execute("update app.settings set value = '3600' where key = 'ops_max_sync_lag_seconds'")
    assert cli("status", db_url=db_url).returncode == 0


def test_status_on_an_unmigrated_database_says_so(admin_url: str) -> None:
    done = cli("status", db_url=derive_url(admin_url, dbname="postgres"))
    assert done.returncode == 1 and "Run `make migrate`." in done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_create_indexes_concurrently_matches_the_schema(owner: psycopg.Connection, db_url: str) -> None:
    defs = dict(
        owner.execute(
            "select indexname, indexdef from pg_indexes where indexname = any(%s)", [list(INDEXES)]
        ).fetchall()
    )
    assert set(defs) == set(INDEXES)
    for name in INDEXES:
        owner.execute(f"drop index app.{name}")
    done = cli("create-indexes", "--concurrently", db_url=db_url)
    assert done.returncode == 0, done.stderr
    rebuilt = dict(
        owner.execute(
            "select indexname, indexdef from pg_indexes where indexname = any(%s)", [list(INDEXES)]
        ).fetchall()
    )
    assert rebuilt == defs
    assert "present and valid" in cli("create-indexes", db_url=db_url).stdout


def test_demo_runs_and_tells_the_story(admin_url: str) -> None:
    done = cli("demo", db_url=derive_url(admin_url, dbname="postgres"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in [
        "refused 409 ALREADY_CLOCKED_IN",
        "MISSING_CLOCK_OUT",
        "BREAK_OVERLIMIT",
        "unlocked",
        "punches received by the Keka sandbox",
        "dead letters 0",
        # leave approved by the manager, its event in the Graph sandbox; a cancelled one removed
        "Outlook calendars (Graph sandbox)",
        "meera@hithonix.example",
        "1 event(s) in the sandbox, 1 removed after a cancel",
        # a Slack day in the Slack sandbox, and the day's locks as DMs
        "Vikram's day in Slack",
        "The plan looks like random keys, not words.",
        "gatekeeper_status PASSED, second opinion PASSED",
        "Locked-day notices sent as Slack DMs",
    ]:
        assert expected in out, expected


@pytest.mark.skipif(not Path("/usr/lib/postgresql/15/bin/initdb").exists(), reason="PostgreSQL 15 server not installed")
def test_embedded_cluster_lifecycle() -> None:
    base = Path(tempfile.mkdtemp(prefix="hx-embedded-"))
    base.chmod(0o755)  # the server runs as postgres when we are root: it must reach the directory
    env = {"HITHONIX_PGDATA": str(base / "pgdata"), "HITHONIX_PGPORT": str(free_port())}
    try:
        assert cli("db-up", extra=env).returncode == 0
        first = cli("migrate", extra=env)
        assert "applied 0001" in first.stdout, first.stderr
        assert "Nothing to do" in cli("migrate", extra=env).stdout
        assert cli("db-down", extra=env).returncode == 0
        assert cli("db-status", extra=env).returncode == 1
        assert cli("db-up", extra=env).returncode == 0
        assert "Nothing to do" in cli("migrate", extra=env).stdout, "data survives a restart"
        assert cli("db-status", extra=env).returncode == 0
    finally:
        cli("db-down", extra=env)
        shutil.rmtree(base, ignore_errors=True)


def test_backfill_refuses_a_closed_payroll_period(owner: psycopg.Connection, db_url: str, tmp_path: Path) -> None:
    """Issue 14, part 6: the mismatched row lies in a closed period; the dry run
    marks it (the lock's id per change, a count); --apply moves nothing, says
    why and exits 1; after the reopen it goes through."""
    seed_history(owner)
    owner.execute(
        "insert into app.period_locks (date_from, date_to, reason, locked_by)"
        " values ('2026-11-01', '2026-11-30', 'November payroll', 'test')"
    )
    dates = "select id, business_date_ist from app.attendance_events order by id"
    stored = owner.execute(dates).fetchall()
    (lock_id,) = owner.execute("select id from app.period_locks").fetchone()  # type: ignore[misc]
    dry = cli("backfill-business-date", "--out", str(tmp_path / "dry.json"), db_url=db_url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    dry_out = json.loads((tmp_path / "dry.json").read_text())
    assert dry_out["locked"] == 1 and [c["period_lock_id"] for c in dry_out["changes"]] == [lock_id]
    assert f"(closed period, lock {lock_id})" in dry.stdout, dry.stdout
    assert "1 of them in a closed payroll period" in " ".join(dry.stdout.split()), dry.stdout
    refused = cli("backfill-business-date", "--apply", db_url=db_url)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "PERIOD_LOCKED" in refused.stderr and "2026-11-01 to 2026-11-30" in refused.stderr, refused.stderr
    assert owner.execute(dates).fetchall() == stored, "nothing moved"
    owner.execute(
        "update app.period_locks set reopened_at = now(), reopened_by = 'test', reopen_reason = 'payroll rerun'"
    )
    applied = cli("backfill-business-date", "--apply", db_url=db_url)
    assert applied.returncode == 0 and "1 row(s) changed" in applied.stdout, applied.stdout + applied.stderr
