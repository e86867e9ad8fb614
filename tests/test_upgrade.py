"""Upgrading a database built by the previous release (``tests/upgrade.py``).

Production was migrated by the previous main's own runner and holds data. Today's
``Migrator(url).migrate()`` must apply only the new migrations, leave every applied
one untouched, re-apply the repeatable SQL (now with ``sql/api``), keep every row,
and derive the same days as the old code did.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests import dbtools
from tests.factories import PLAN, allow_backdating, claims, employee
from tests.upgrade import PREVIOUS_RELEASE, build_at_revision, revision_available
from worker.db.migrate import Migrator, discover, repeatable_checksum
from worker.db.urls import derive_url
from worker.devtools.pgrest import PostgrestEmulator

pytestmark = pytest.mark.skipif(
    not revision_available(),
    reason=f"this checkout does not have the previous release {PREVIOUS_RELEASE} (shallow clone or tarball)",
)

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
DAY = 20  # 2026-11-20, a Friday


def at(hh: int, mm: int = 0) -> str:
    return dt.datetime(2026, 11, DAY, hh, mm, tzinfo=IST).isoformat()


@pytest.fixture
def old_db(admin_url: str) -> Iterator[str]:
    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    url = dbtools.create_database(admin_url, name)
    build_at_revision(url)
    yield url
    dbtools.drop_database(admin_url, name)


def emulator(url: str) -> PostgrestEmulator:
    return PostgrestEmulator(derive_url(url, user="authenticator"))


def ok(response: Any) -> dict[str, Any]:
    assert response.status == 200, response.body
    return response.body


def seed(owner: psycopg.Connection, api: PostgrestEmulator) -> dict[str, uuid.UUID]:
    """A small team's day through the old release's API: punches, a lock and its unlock, a VOID."""
    allow_backdating(owner)
    people = {
        "manager": employee(owner, "manager@example.com", role="approver"),
        "admin": employee(owner, "admin@example.com", role="hr_admin"),
    }
    people["asha"] = employee(owner, "asha@example.com", manager=people["manager"])
    people["ravi"] = employee(owner, "ravi@example.com", manager=people["manager"])
    asha, ravi = claims("employee", people["asha"]), claims("employee", people["ravi"])

    ok(api.rpc("clock_in", {"plan": PLAN, "occurred_at": at(9, 30)}, claims=asha))
    ok(api.rpc("break_start", {"occurred_at": at(11)}, claims=asha))
    ok(api.rpc("break_end", {"occurred_at": at(11, 10)}, claims=asha))
    ok(api.rpc("lunch_start", {"occurred_at": at(13)}, claims=asha))
    ok(api.rpc("lunch_end", {"occurred_at": at(13, 30)}, claims=asha))
    # leaves before 7 PM: the day locks, and the manager unlocks it
    locked = ok(api.rpc("clock_out", {"occurred_at": at(17)}, claims=asha))
    assert locked["daily_status"]["is_locked"] is True
    ok(
        api.rpc(
            "unlock_day",
            {"employee_id": str(people["asha"]), "business_date": f"2026-11-{DAY}", "reason": "doctor's appointment"},
            claims=claims("approver", people["manager"]),
        )
    )

    ok(api.rpc("clock_in", {"plan": PLAN, "occurred_at": at(10)}, claims=ravi))
    ok(api.rpc("break_start", {"occurred_at": at(12)}, claims=ravi))
    # an imported duplicate clock-in (history, not a live punch): an anomaly
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " values (%s, 'CLOCK_IN', %s, 'import', 'import')",
        [people["ravi"], at(12, 5)],
    )
    mistaken = ok(api.rpc("break_end", {"occurred_at": at(12, 20)}, claims=ravi))["event"]["id"]
    ok(
        api.rpc(
            "void_event",
            {"event_id": mistaken, "reason": "pressed the wrong button"},
            claims=claims("hr_admin", people["admin"]),
        )
    )
    return people


def snapshot(owner: psycopg.Connection) -> dict[str, Any]:
    def rows(sql: str) -> list[Any]:
        return [r[0] for r in owner.execute(sql).fetchall()]

    return {
        "applied": owner.execute("select version, name, checksum from migrations.applied order by version").fetchall(),
        "events": rows("select to_jsonb(ev) from app.attendance_events as ev order by ev.id"),
        "days": rows("select to_jsonb(ds) from app.daily_status as ds order by ds.employee_id, ds.business_date_ist"),
        "employees": rows("select to_jsonb(e) from app.employees as e order by e.id"),
        "audit": rows("select to_jsonb(a) from app.audit_logs as a order by a.id"),
        "unlocks": rows("select to_jsonb(u) from app.day_unlocks as u order by u.id"),
        # 0045 adds each waiting message's employee_id (tests/test_upgrade_keys.py checks it); nothing else changes
        "queue": rows("select message - 'employee_id' from pgmq.q_keka_sync order by msg_id"),
    }


def test_upgrade_from_previous_release_keeps_data_and_behaviour(old_db: str) -> None:
    api = emulator(old_db)
    with psycopg.connect(old_db, autocommit=True) as owner:
        people = seed(owner, api)
        before = snapshot(owner)
        old_repeatable = owner.execute("select checksum from migrations.repeatable").fetchone()
    assert before["unlocks"] and len(before["events"]) == 11
    assert any(e["event_type"] == "VOID" for e in before["events"])
    assert any("DUPLICATE_CLOCK_IN" in d["anomalies"] for d in before["days"])

    applied_before = {version for version, _, _ in before["applied"]}
    pending = [m.path.name for m in discover() if m.version not in applied_before]
    assert pending, "today's main adds migrations over the previous release"

    done, refreshed = Migrator(old_db).migrate()

    assert done == pending
    assert refreshed
    with psycopg.connect(old_db, autocommit=True) as owner:
        after = snapshot(owner)
        # no applied migration changed; each still matches its file
        on_disk = {m.version: m.checksum for m in discover()}
        assert after["applied"][: len(before["applied"])] == before["applied"]
        assert all(checksum == on_disk[version] for version, _, checksum in after["applied"])
        assert [v for v, _, _ in after["applied"]] == sorted(on_disk)
        # the repeatable SQL was re-applied: today's checksum, sql/api objects present
        repeatable = owner.execute("select checksum from migrations.repeatable").fetchone()
        assert repeatable == (repeatable_checksum(),) and repeatable != old_repeatable
        assert owner.execute("select to_regprocedure('app.add_anomaly_code(text[], text)') is not null").fetchone()
        assert owner.execute("select to_regprocedure('app.add_code(text[], text)')").fetchone() == (None,)
        assert owner.execute("select to_regprocedure('api.anomaly_report(date, date)') is not null").fetchone()
        # every row kept (columns added since, e.g. daily_status.leave_portion, aside);
        # today's derivation agrees with what the old code stored
        # days gained the state machine's own columns (0035), filled by the upgrade
        added = {"state_since", "worked_seconds", "break_seconds", "lunch_seconds", "lunch_starts"}
        assert all(added <= day.keys() for day in after["days"])
        for table in ("events", "days", "employees", "audit", "unlocks", "queue"):
            kept = [
                {k: v for k, v in row.items() if k in old} if isinstance(row, dict) and isinstance(old, dict) else row
                for row, old in zip(after[table], before[table], strict=False)
            ]
            assert len(after[table]) == len(before[table]) and kept == before[table], table
        differences = owner.execute("select * from app.daily_status_differences('2026-01-01', '2026-12-31')")
        assert differences.fetchall() == []
        assert Migrator(old_db).migrate() == ([], False)

    # the API still serves the old rows and takes new punches
    api = emulator(old_db)
    asha = claims("employee", people["asha"])
    day = ok(api.get("daily_status", claims=asha))
    assert [(d["business_date_ist"], d["is_locked"]) for d in day] == [(f"2026-11-{DAY}", False)]
    punched = ok(api.rpc("clock_in", {"plan": PLAN}, claims=asha))
    assert punched["event"]["employee_id"] == str(people["asha"])
    assert punched["daily_status"]["current_status"] == "ON_SHIFT"
