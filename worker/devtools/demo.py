"""`demo`: a small company's working day, played through the API, synced to the
Keka sandbox, plus leave approved by a manager and synced to the Graph sandbox
(``demo_calendar``), summarised for a new HR admin.

It builds its own database (``hithonix_demo``, recreated each run) on the
embedded cluster or on the server of DATABASE_URL, migrates it, seeds a team
with a manager chain and a kiosk badge, and plays the day before yesterday
(IST) so that a forgotten clock-out has had time to become MISSING_CLOCK_OUT.
The demo database allows back-dated punches (a setting) because the day is in
the past; every punch still goes through the real API path (role, claims,
pre-request, RLS, state machine, gatekeeper, ledger, daily_status, outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from worker.config import jwt_secret
from worker.db.migrate import Migrator
from worker.db.urls import derive_url
from worker.devtools.demo_calendar import play_leave, show_leave
from worker.devtools.demo_slack import play_slack, show_slack
from worker.devtools.keka_sandbox import KekaSandbox
from worker.devtools.pgrest import PostgrestEmulator, claims_from_token
from worker.keka.client import KekaLogsClient
from worker.keka.sync import Pusher

DB = "hithonix_demo"
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))

TEAM = [
    # key, name, role, manager, shift, attendance number, badge
    ("vikram", "Vikram Hegde", "hr_admin", None, "FLEXIBLE", "HX001", None),
    ("asha", "Asha Rao", "approver", None, "GENERAL", "HX002", None),
    ("ravi", "Ravi Kumar", "employee", "asha", "GENERAL", "HX003", None),
    ("meera", "Meera Iyer", "employee", "asha", "GENERAL", "HX004", None),
    ("dev", "Dev Patel", "employee", "asha", "GENERAL", "HX005", None),
    ("nisha", "Nisha Singh", "employee", "asha", "GENERAL", "HX006", None),
    ("arjun", "Arjun Nair", "employee", "asha", "NIGHT", "HX007", None),
    ("kiran", "Kiran Das", "employee", "asha", "FLEXIBLE", "HX008", "BADGE-0008"),
]
PLANS = {
    "asha": "Review sprint board and approve leave requests",
    "ravi": "Finish API integration and manager dashboard",
    "meera": "Write onboarding docs and fix payroll export bug",
    "dev": "Migrate reporting queries to the new warehouse",
    "nisha": "Prepare quarterly audit evidence with finance",
    "arjun": "Monitor overnight batch jobs and patch servers",
    "vikram": "Run payroll checks and update leave policy",
}


@dataclass
class Line:
    at: str
    who: str
    what: str
    result: str


def recreate(admin: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {DB} with (force)")
        conn.execute(f"create database {DB}")


def seed(conn: psycopg.Connection) -> dict[str, str]:
    conn.execute("update app.settings set value = '4320' where key = 'employee_backdate_minutes'")
    ids: dict[str, str] = {}
    for key, name, role, manager, shift, number, badge in TEAM:
        row = conn.execute(
            "insert into app.employees (email, full_name, role, manager_employee_id, shift_config,"
            " attendance_number, employee_number, badge_id, department)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, 'Engineering') returning id",
            [
                f"{key}@hithonix.example",
                name,
                role,
                ids.get(manager or ""),
                Jsonb({"shift_type": shift}),
                number,
                number.replace("HX", "E"),
                badge,
            ],
        ).fetchone()
        assert row
        ids[key] = str(row[0])
    return ids


def play_day(api: PostgrestEmulator, ids: dict[str, str], day: dt.date) -> list[Line]:
    lines: list[Line] = []

    def at(hh: int, mm: int = 0, plus_days: int = 0) -> str:
        return dt.datetime.combine(day + dt.timedelta(days=plus_days), dt.time(hh, mm), IST).isoformat()

    def who(key: str) -> dict[str, Any]:
        role = next(member[2] for member in TEAM if member[0] == key)
        return {"role": role, "employee_id": ids[key], "sub": f"{key}@hithonix.example"}

    def punch(key: str, endpoint: str, when: str, **extra: Any) -> None:
        body = {"occurred_at": when, **extra}
        if endpoint == "clock_in":
            body.setdefault("plan", PLANS[key])
        response = api.rpc(endpoint, body, claims=who(key), headers={"x-request-id": f"demo-{key}-{endpoint}"})
        if response.status == 200:
            day_status = response.body["daily_status"]
            result = day_status["current_status"] + (
                f", locked {day_status['lock_reason']}" if day_status["is_locked"] else ""
            )
        else:
            result = f"refused {response.status} {response.code}"
        lines.append(Line(when[11:16], key, endpoint, result))

    script: list[tuple[str, str, str]] = [
        ("asha", "clock_in", at(9, 30)),
        ("ravi", "clock_in", at(10, 0)),
        ("dev", "clock_in", at(10, 0)),
        ("meera", "clock_in", at(10, 5)),
        ("nisha", "clock_in", at(10, 10)),
        ("vikram", "clock_in", at(10, 30)),
        ("meera", "break_start", at(11, 30)),
        ("ravi", "break_start", at(12, 0)),
        ("meera", "break_end", at(12, 5)),
        ("ravi", "break_end", at(12, 15)),
        ("asha", "lunch_start", at(13, 0)),
        ("ravi", "lunch_start", at(13, 0)),
        ("asha", "lunch_end", at(13, 35)),
        ("ravi", "lunch_end", at(13, 40)),
        ("ravi", "clock_in", at(14, 0)),
        ("nisha", "clock_out", at(17, 30)),
        ("ravi", "clock_out", at(19, 0)),
        ("asha", "clock_out", at(19, 5)),
        ("meera", "clock_out", at(19, 10)),
        ("vikram", "clock_out", at(18, 0)),
        ("arjun", "clock_in", at(22, 0)),
        ("arjun", "break_start", at(2, 0, plus_days=1)),
        ("arjun", "break_end", at(2, 20, plus_days=1)),
        ("arjun", "clock_out", at(6, 0, plus_days=1)),
    ]
    for key, endpoint, when in script:
        punch(key, endpoint, when)
    unlocked = api.rpc(
        "unlock_day",
        {"employee_id": ids["nisha"], "business_date": day.isoformat(), "reason": "Doctor's appointment, agreed"},
        claims=who("asha"),
    )
    lines.append(
        Line("19:30", "asha", "unlock_day(nisha)", "unlocked" if unlocked.status == 200 else f"refused {unlocked.code}")
    )
    return lines


def kiosk_today(api: PostgrestEmulator, hr_admin_id: str) -> Line:
    """The lobby reader is registered (its key shown once), logs in for a kiosk JWT and scans Kiran's badge."""
    hr = {"role": "hr_admin", "employee_id": hr_admin_id}
    key = api.rpc("register_kiosk_device", {"name": "Lobby reader", "location": "Lobby"}, claims=hr).body["key"]
    token = api.rpc("kiosk_login", {"key": key}).body["token"]
    punched = api.rpc("badge_scan", {"badge_code": "BADGE-0008"}, claims=claims_from_token(token, jwt_secret()))
    now = dt.datetime.now(IST).strftime("%H:%M")
    return Line(
        f"today {now}", "kiran", "badge scan at the lobby", "ON_SHIFT" if punched.status == 200 else punched.code or "?"
    )


def sync(db_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    with KekaSandbox("127.0.0.1", 0) as sandbox:
        settings = sandbox.keka_settings(device_identifier="00000000-0000-4000-8000-0000000000d0")
        say(f"worker: pushing the outbox to the Keka sandbox at {sandbox.url}")
        with (
            psycopg.connect(derive_url(db_url, user="hithonix_worker"), autocommit=True) as conn,
            KekaLogsClient(sandbox.url, settings.ingestion_key, 5) as client,
        ):
            stats = Pusher(conn, client, settings).drain(20)
        return {"stats": stats, "keka_received": len(sandbox.logs())}


def run(target: str, say: Callable[[str], None]) -> dict[str, Any]:
    admin, url = derive_url(target, dbname="postgres"), derive_url(target, dbname=DB)
    say(f"creating database {DB} and applying migrations")
    recreate(admin)
    Migrator(url).migrate()
    with psycopg.connect(url, autocommit=True) as conn:
        ids = seed(conn)
    say(f"seeded {len(ids)} people: Asha Rao (approver) manages six; Vikram Hegde is HR admin; Kiran has a badge")
    day = dt.datetime.now(IST).date() - dt.timedelta(days=2)
    api = PostgrestEmulator(derive_url(url, user="authenticator"))
    lines = play_day(api, ids, day)
    lines.append(kiosk_today(api, ids["vikram"]))
    synced = sync(url, say)
    leave = play_leave(api, ids, url, say)
    slack = play_slack(url, ids, say)
    hr = {"role": "hr_admin", "employee_id": ids["vikram"], "sub": "vikram@hithonix.example"}
    days = api.get("daily_status", claims=hr).body
    names = {member[0]: member[1] for member in TEAM}
    by_id = {v: names[k] for k, v in ids.items()}
    overview = api.get("sync_overview", claims=hr).body[0]
    with psycopg.connect(url) as conn:
        counts = dict(
            conn.execute("select sync_status::text, count(*) from app.attendance_events group by 1").fetchall()
        )
        audits = conn.execute("select count(*) from app.audit_logs").fetchone()
    return {
        "day": day,
        "lines": lines,
        "days": days,
        "names": by_id,
        "sync": synced,
        "overview": overview,
        "sync_counts": counts,
        "audit_rows": audits[0] if audits else 0,
        "database": url,
        "leave": leave,
        "slack": slack,
    }


def show(result: dict[str, Any], console: Console) -> None:
    """The day, each employee's status and the sync health, as the demo prints them."""
    day = result["day"]
    console.rule(f"The working day of {day:%A %d %B %Y} (IST), as it happened")
    names = {member[0]: member[1] for member in TEAM}
    for line in result["lines"]:
        style = "red" if line.result.startswith("refused") else ("yellow" if "locked" in line.result else "")
        console.print(
            f"  {line.at:>11}  {names[line.who]:<13} {line.what:<22} [{style}]{line.result}[/{style}]"
            if style
            else f"  {line.at:>11}  {names[line.who]:<13} {line.what:<22} {line.result}"
        )
    table = Table(
        "employee",
        "date",
        "status",
        "worked",
        "break",
        "lunch",
        "anomalies",
        "lock",
        "sync errors",
        title="Each employee's day (api.daily_status, as HR sees it)",
    )
    for status in sorted(result["days"], key=lambda d: (d["business_date_ist"], result["names"][d["employee_id"]])):
        table.add_row(
            result["names"][status["employee_id"]],
            status["business_date_ist"],
            status["current_status"],
            f"{status['worked_minutes'] // 60}h{status['worked_minutes'] % 60:02d}",
            f"{status['break_minutes_used']}m",
            f"{status['lunch_minutes']}m",
            ", ".join(status["anomalies"]) or "—",
            status["lock_reason"] or "—",
            "yes" if status["has_sync_errors"] else "no",
        )
    console.print(table)
    overview, synced = result["overview"], result["sync"]
    console.print(
        f"Keka sync: {synced['keka_received']} punches received by the Keka sandbox; events by status "
        f"{result['sync_counts']} (breaks and lunches are not sent to Keka: SKIPPED). "
        f"Queue {overview['queue_depth']}, dead letters {overview['dlq_depth']}, pending {overview['pending']}."
    )
    show_leave(result["leave"], console)
    show_slack(result["slack"], console)
    console.print(f"Audit trail: {result['audit_rows']} row(s). Database: {result['database']}")
