"""`demo --seed-only` / `demo --reset`: the front desk's frontend-readiness data set (issue 15 part 7).

Seeds the target database (``DATABASE_URL`` or the embedded cluster: the one
PostgREST serves) with identities a frontend team can log in as, and enough
front-desk life to render every screen: 10 people in 3 departments (an
hr_admin, an approver, employees), two readers (the lobby's and the training
room's) with the lobby's API key and kiosk token, 5 active badges and a spare,
recent check-ins by badge scan, an open security alert (a lost card scanned),
2 running events, 3 visitors, today's duty person. Every write after the
people themselves goes through the API as PostgREST performs it (the request
emulator: role, claims, pre-request, RLS, the app functions), so the seed is
what the endpoints produce.

``seed`` returns the printed identities and the shell variables the README's
curl examples use (``export`` lines), which is also how the README test runs
them. A second seed refuses (the data set is there); ``reset`` drops and
recreates the target database and migrates it, on a local server only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from worker.config import ConfigError, jwt_secret
from worker.db.migrate import Migrator
from worker.db.urls import database_name, derive_url
from worker.devtools.pgrest import PostgrestEmulator, claims_from_token
from worker.tokens import employee_claims, mint

DOMAIN = "frontdesk.example"
SITE = "main"
TOKEN_TTL = dt.timedelta(hours=12)
# key, full name, role, department; the first three are the identities printed with tokens
PEOPLE = [
    ("admin", "Vikram Hegde", "hr_admin", "Operations"),
    ("approver", "Asha Rao", "approver", "Engineering"),
    ("employee", "Ravi Kumar", "employee", "Engineering"),
    ("meera", "Meera Iyer", "employee", "Engineering"),
    ("dev", "Dev Patel", "employee", "Engineering"),
    ("nisha", "Nisha Singh", "employee", "Finance"),
    ("arjun", "Arjun Nair", "employee", "Finance"),
    ("kiran", "Kiran Das", "employee", "Finance"),
    ("leela", "Leela Menon", "employee", "Operations"),
    ("sam", "Sam Joseph", "employee", "Operations"),
]
BADGED = ["employee", "meera", "dev", "nisha", "kiran"]  # 5 active badges, all scanned in at the lobby
VISITORS = [
    ("Priya Shah", "Acme Ltd", "Contract review", "approver"),
    ("Tom Becker", "Globex", "Interview", "employee"),
    ("Lina Ortiz", None, "Delivery", "admin"),
]


class SeedError(RuntimeError):
    """A seed step the API refused, or a target the command will not touch."""


@dataclass
class SeedResult:
    identities: list[tuple[str, str, str, str]] = field(default_factory=list)  # who, role, id, secret
    env: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def exports(self) -> str:
        return "\n".join(f"export {name}='{value}'" for name, value in self.env.items())


def _ok(response: Any, what: str) -> Any:
    if response.status >= 300:
        raise SeedError(f"{what}: {response.status} {response.body}")
    return response.body


def seed(db_url: str, say: Callable[[str], None], api_url: str = "http://localhost:3000") -> SeedResult:
    """Migrate the target and seed the data set through the API; refuse if it is already there."""
    Migrator(db_url).migrate()
    say("migrated")
    secret = jwt_secret()
    api = PostgrestEmulator(derive_url(db_url, user="authenticator"))
    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("select 1 from app.employees where email = %s", [f"admin@{DOMAIN}"]).fetchone():
            raise SeedError("the front-desk data set is already there: `demo --reset --seed-only` starts over")
        ids: dict[str, str] = {}
        for key, name, role, department in PEOPLE:
            row = conn.execute(
                "insert into app.employees (email, full_name, role, department, location, employee_number,"
                " attendance_number, manager_employee_id, shift_config)"
                ' values (%s, %s, %s, %s, %s, %s, %s, %s, \'{"shift_type": "FLEXIBLE"}\') returning id::text',
                [
                    f"{key}@{DOMAIN}",
                    name,
                    role,
                    department,
                    SITE,
                    f"FD-{key}",
                    f"FD{len(ids) + 1:03d}",
                    ids.get("approver") if role == "employee" else None,
                ],
            ).fetchone()
            ids[key] = row[0]  # type: ignore[index]
        tokens = {
            key: mint(employee_claims(conn, f"{key}@{DOMAIN}", None), secret, TOKEN_TTL) for key, *_ in PEOPLE[:3]
        }
    say(f"{len(PEOPLE)} people in 3 departments")

    def who(key: str) -> dict[str, Any]:
        return claims_from_token(tokens[key], secret)

    admin = who("admin")
    lobby = _ok(
        api.rpc("register_kiosk_device", {"name": "Lobby reader", "location": "Lobby", "site": SITE}, claims=admin),
        "register lobby",
    )
    room = _ok(
        api.rpc(
            "register_kiosk_device",
            # an event reader: scans there are event attendance, never punches
            {"name": "Training room reader", "location": "Floor 2", "site": SITE, "purpose": "event"},
            claims=admin,
        ),
        "register training room",
    )
    spare = _ok(
        api.rpc("register_kiosk_device", {"name": "Spare reader", "location": "Store", "site": SITE}, claims=admin),
        "register spare",
    )
    login = _ok(api.rpc("kiosk_login", {"key": lobby["key"]}), "kiosk_login")
    kiosk = claims_from_token(login["token"], secret)
    say("2 readers (+ a spare) registered; the lobby's key exchanged for a kiosk token")

    for n, key in enumerate(BADGED, start=1):
        _ok(
            api.rpc("assign_badge", {"badge_code": f"FD-BADGE-{n:02d}", "employee_id": ids[key]}, claims=admin),
            "assign",
        )
    for n, _key in enumerate(BADGED, start=1):
        _ok(api.rpc("badge_scan", {"badge_code": f"FD-BADGE-{n:02d}"}, claims=kiosk), "scan")
    refused = api.rpc("badge_scan", {"badge_code": "FD-LOST-99"}, claims=kiosk)
    if refused.status != 403:  # refused, and the alert it raised commits
        raise SeedError(f"an unknown badge should be refused: {refused.status} {refused.body}")
    _ok(
        api.rpc(
            "clock_in",
            {"plan": "Prepare quarterly audit evidence with finance", "source": "web"},
            claims=who("approver"),
        ),
        "clock_in",
    )
    say("5 active badges, 5 check-ins by badge and 1 on the web, 1 security alert (an unknown card)")

    now = dt.datetime.now(dt.UTC)
    events = [
        _ok(
            api.rpc(
                "create_event",
                {
                    "title": title,
                    "kind": kind,
                    "device_id": device["id"],
                    "starts_at": (now - dt.timedelta(minutes=started)).isoformat(),
                    "ends_at": (now + dt.timedelta(minutes=60 - started)).isoformat(),
                    "grace_minutes": grace,
                    "attendee_ids": [ids[k] for k in expected],
                },
                claims=admin,
            ),
            f"create event {title}",
        )
        for title, kind, device, started, grace, expected in (
            ("Fire drill", "DRILL", lobby, 20, 10, [*BADGED, "arjun"]),
            ("Security awareness training", "TRAINING", room, 10, 5, ["leela", "sam", "dev", "approver"]),
        )
    ]
    visitors = [
        _ok(
            api.rpc(
                "visitor_sign_in",
                {"name": name, "company": company, "purpose": purpose, "host_employee_id": ids[host]},
                claims=kiosk if n < 2 else admin,
            ),
            "visitor",
        )
        for n, (name, company, purpose, host) in enumerate(VISITORS)
    ]
    with psycopg.connect(db_url, autocommit=True) as conn:
        duty_date, tomorrow = conn.execute(  # type: ignore[misc]
            "select app.ist_date(now())::text, (app.ist_date(now()) + 1)::text"
        ).fetchone()
        alert_id = conn.execute("select max(id) from app.security_alerts").fetchone()[0]  # type: ignore[index]
    _ok(
        api.rpc("set_duty", {"site": SITE, "duty_date": duty_date, "employee_id": ids["approver"]}, claims=admin),
        "duty",
    )
    say("2 running events, 3 visitors, today's duty person")
    corrections = _seed_corrections(db_url, api, admin)
    say("3 pending adjustment requests, a closed payroll period")

    result = SeedResult()
    for key, _name, role, _dept in PEOPLE[:3]:
        result.identities.append((f"{key}@{DOMAIN}", role, ids[key], tokens[key]))
    result.identities.append(("Lobby reader (kiosk)", "kiosk", lobby["id"], lobby["key"]))
    result.env = {
        "API": api_url,
        "ADMIN_TOKEN": tokens["admin"],
        "APPROVER_TOKEN": tokens["approver"],
        "EMPLOYEE_TOKEN": tokens["employee"],
        "KIOSK_KEY": lobby["key"],
        "KIOSK_TOKEN": login["token"],
        "KIOSK_ID": lobby["id"],
        "ROOM_DEVICE_ID": room["id"],
        "SPARE_DEVICE_ID": spare["id"],
        "EMPLOYEE_ID": ids["employee"],
        "OTHER_ID": ids["arjun"],  # holds no badge
        "HOST_ID": ids["approver"],
        "VISITOR_ID": str(visitors[0]["id"]),
        "EVENT_ID": str(events[0]["id"]),
        "ALERT_ID": str(alert_id),
        "BADGE_CODE": "FD-BADGE-01",
        "SITE": SITE,
        # tomorrow (IST) and its 10:00-11:00, for the roster and a new event
        "TOMORROW": tomorrow,
        "EVENT_STARTS": f"{tomorrow}T10:00:00+05:30",
        "EVENT_ENDS": f"{tomorrow}T11:00:00+05:30",
        **corrections,
    }
    result.counts = {"people": len(PEOPLE), "badges": len(BADGED), "events": len(events), "visitors": len(visitors)}
    return result


def _seed_corrections(db_url: str, api: PostgrestEmulator, admin: dict[str, Any]) -> dict[str, str]:
    """Issue 14's examples: pending adjustment requests to approve, reject and withdraw (the
    employee's colleagues under the approver, and the employee's own), and a closed period to reopen."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "select (app.ist_date(now()) - 1)::text, (app.ist_date(now()) - 2)::text,"
            " (date_trunc('month', app.ist_date(now())) - interval '1 month')::date::text,"
            " (date_trunc('month', app.ist_date(now())) - interval '1 day')::date::text,"
            " (date_trunc('month', app.ist_date(now())) - interval '2 months')::date::text,"
            " (date_trunc('month', app.ist_date(now())) - interval '1 month 1 day')::date::text"
        ).fetchone()
        yesterday, before, payroll_from, payroll_to, closed_from, closed_to = row  # type: ignore[misc]
        claims = {key: employee_claims(conn, f"{key}@{DOMAIN}", None) for key in ("meera", "dev", "employee")}

    def ask(key: str, day: str) -> str:
        body = {
            "business_date": day,
            "kind": "ADD_PUNCHES",
            "reason": "forgot to punch in",
            "punches": [{"event_type": "CLOCK_IN", "occurred_at": f"{day}T09:30:00+05:30"}],
        }
        return str(_ok(api.rpc("request_adjustment", body, claims=claims[key]), f"adjustment for {key}")["id"])

    closed = _ok(
        api.rpc(
            "lock_period", {"date_from": closed_from, "date_to": closed_to, "reason": "payroll closed"}, claims=admin
        ),
        "lock_period",
    )
    return {
        "YESTERDAY": yesterday,
        "ADJUSTMENT_ID": ask("meera", yesterday),  # to approve
        "REJECT_ADJUSTMENT_ID": ask("dev", yesterday),  # to reject
        "WITHDRAW_ADJUSTMENT_ID": ask("employee", before),  # the employee's own, to withdraw
        "PAYROLL_FROM": payroll_from,  # last month: the example closes it
        "PAYROLL_TO": payroll_to,
        "PERIOD_LOCK_ID": str(closed["id"]),  # the month before, closed by the seed: the example reopens it
    }


def reset(db_url: str, say: Callable[[str], None]) -> None:
    """Drop and recreate the target database, migrated and empty; local servers and hithonix* databases only."""
    params = conninfo_to_dict(db_url)
    name = database_name(db_url)
    host = str(params.get("host") or "")
    local = host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")
    if not (name.startswith("hithonix") and local):
        raise ConfigError(f"demo --reset only recreates hithonix* databases on a local server, not {name} on {host!r}")
    with psycopg.connect(derive_url(db_url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    Migrator(db_url).migrate()
    say(f"database {name} recreated and migrated")
