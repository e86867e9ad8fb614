"""Hardening (issue 10): whole classes of hostile or careless input, generated.

Each refused request must come back as a clear 4xx with a stable code, name the
argument in its hint, never echo a row in its details, and leave nothing
written. Requests go through the PostgREST emulator, which applies each role's
statement_timeout as PostgREST does, so "answered by a 4xx" also proves "did
not run into the time limit".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from tests.factories import PLAN, claims, employee, kiosk_device
from worker.devtools.pgrest import PostgrestEmulator, Response

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
# PostgreSQL text cannot hold NUL (jsonb refuses \\u0000 with a 400 before our code runs), nor lone surrogates.
NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"])
FIXTURE_OK = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# The bounds of the columns a client can reach (sql/schema, *_length constraints).
TEXT_BOUNDS = {
    "employee_number": 64,
    "attendance_number": 64,
    "slack_user_id": 64,
    "badge_id": 64,
    "department": 200,
    "designation": 200,
    "location": 200,
    "full_name": 200,
}


def written(conn: psycopg.Connection) -> tuple:
    """Everything a refused request must leave as it was."""
    return conn.execute(
        "select (select count(*) from app.employees), (select max(updated_at) from app.employees),"
        " (select count(*) from app.attendance_events), (select count(*) from app.audit_logs),"
        " (select count(*) from app.daily_status), (select count(*) from pgmq.q_keka_sync)"
    ).fetchone()


def assert_clear_refusal(r: Response, status: int, code: str, field: str | None = None) -> None:
    assert r.status == status, (r.status, r.body)
    assert r.code == code, r.body
    details = r.body.get("details") or ""
    assert "Failing row" not in details and len(details) < 300, details
    if field is not None:
        assert json.loads(r.body["hint"])["field"] == field, r.body


@pytest.fixture
def hr(owner: psycopg.Connection) -> dict[str, Any]:
    return claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))


# -- class 3: lengths -----------------------------------------------------------


@FIXTURE_OK
@given(
    field=st.sampled_from(sorted(TEXT_BOUNDS)),
    extra=st.integers(1, 5000),
    alphabet=st.sampled_from(["x", "é", "字", "😀", " "]),
)
def test_too_long_employee_text_is_422_naming_the_field(
    api: PostgrestEmulator, owner: psycopg.Connection, hr: dict, field: str, extra: int, alphabet: str
) -> None:
    before = written(owner)
    body = {"email": "new@example.com", "full_name": "New Person", field: alphabet * (TEXT_BOUNDS[field] + extra)}
    r = api.rpc("upsert_employee", body, claims=hr)
    assert_clear_refusal(r, 422, "INVALID_ARGUMENT", field)
    assert written(owner) == before


@FIXTURE_OK
@given(
    local=st.text(st.characters(blacklist_characters="@\x00", blacklist_categories=["Cs", "Zs", "Cc"]), min_size=255)
)
def test_too_long_email_is_422(api: PostgrestEmulator, owner: psycopg.Connection, hr: dict, local: str) -> None:
    before = written(owner)
    r = api.rpc("upsert_employee", {"email": f"{local}@example.com", "full_name": "X"}, claims=hr)
    assert_clear_refusal(r, 422, "INVALID_ARGUMENT", "email")
    assert written(owner) == before


def test_duplicate_identifier_is_409_naming_the_field(
    api: PostgrestEmulator, owner: psycopg.Connection, hr: dict
) -> None:
    employee(owner, "kim@example.com")  # badge B-kim
    before = written(owner)
    r = api.rpc("upsert_employee", {"email": "new@example.com", "full_name": "N", "badge_id": "B-kim"}, claims=hr)
    assert_clear_refusal(r, 409, "ALREADY_EXISTS", "badge_id")
    assert written(owner) == before


@FIXTURE_OK
@given(
    arg=st.sampled_from(["note", "idempotency_key"]),
    size=st.integers(501, 20000),
)
def test_too_long_punch_text_is_422(api: PostgrestEmulator, owner: psycopg.Connection, arg: str, size: int) -> None:
    me = claims("employee", employee(owner, f"p-{uuid.uuid4().hex[:8]}@example.com"))
    before = written(owner)
    r = api.rpc("clock_in", {"plan": PLAN, arg: "k" * size}, claims=me)
    assert_clear_refusal(r, 422, "INVALID_ARGUMENT", arg)
    assert written(owner) == before


@FIXTURE_OK
@given(char=st.sampled_from(["\x01", '"', "\\", "😀", "字", "a"]))
def test_longest_allowed_punch_text_is_stored(api: PostgrestEmulator, owner: psycopg.Connection, char: str) -> None:
    """A plan and a note at their length caps fit the payload bound however JSON escapes them."""
    emp = employee(owner, f"l-{uuid.uuid4().hex[:8]}@example.com")
    owner.execute(
        'update app.employees set shift_config = shift_config || \'{"gatekeeper_mode": "off"}\' where id = %s',
        [emp],
    )
    r = api.rpc("clock_in", {"plan": char * 2000, "note": char * 500}, claims=claims("employee", emp))
    assert r.status == 200, r.body


# -- class 1: unbounded work ------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["clock_in", "validate_shift_plan"])
def test_one_megabyte_plan_is_refused_not_timed_out(
    api: PostgrestEmulator, owner: psycopg.Connection, endpoint: str
) -> None:
    """A 1 MB plan of one "word" used to run for minutes in the gatekeeper's
    patterns. Through the request path, under the employee role's
    statement_timeout, it is the plan-length 422, not a 57014 timeout."""
    me = claims("employee", employee(owner, "big@example.com"))
    before = written(owner)
    r = api.rpc(endpoint, {"plan": "asdf" * 262144}, claims=me)
    assert_clear_refusal(r, 422, "INVALID_ARGUMENT", "plan")
    assert written(owner) == before


@FIXTURE_OK
@given(
    word=st.text(st.characters(whitelist_categories=["Ll", "Lu"]), min_size=41, max_size=1980)
    | st.builds(lambda chunk, n: (chunk * n)[:1980], st.text("asdfqwer", min_size=1, max_size=7), st.integers(1, 2000))
)
def test_plans_up_to_the_cap_are_judged(api: PostgrestEmulator, owner: psycopg.Connection, word: str) -> None:
    """Any plan within the cap (long tokens, repeated chunks) gets a verdict, under the role's time limit."""
    me = claims("employee", employee(owner, f"v-{uuid.uuid4().hex[:8]}@example.com"))
    r = api.rpc("validate_shift_plan", {"plan": f"Finish integration {word}"}, claims=me)
    assert r.status == 200, r.body
    assert isinstance(r.body["valid"], bool)


def test_roles_carry_time_limits(owner: psycopg.Connection) -> None:
    rows = dict(
        owner.execute(
            "select r.rolname, s from pg_db_role_setting as d join pg_roles as r on r.oid = d.setrole,"
            " unnest(d.setconfig) as s where s like 'statement_timeout=%'"
        ).fetchall()
    )
    for role in ("anon", "employee", "approver", "hr_admin", "kiosk", "authenticator", "hithonix_worker"):
        assert role in rows, f"{role} has no statement_timeout"
    idle = owner.execute(
        "select array_agg(r.rolname order by r.rolname)"
        " from pg_db_role_setting as d join pg_roles as r on r.oid = d.setrole,"
        " unnest(d.setconfig) as s where s like 'idle_in_transaction_session_timeout=%'"
    ).fetchone()[0]
    assert idle == ["authenticator", "hithonix_worker"]


@pytest.mark.parametrize("login", ["authenticator", "hithonix_worker"])
def test_login_roles_connect_with_their_limits(db_url: str, login: str) -> None:
    """The login roles get their limits at connect (PostgREST's pool, the worker)."""
    url = psycopg.conninfo.make_conninfo(**{**psycopg.conninfo.conninfo_to_dict(db_url), "user": login})
    with psycopg.connect(url) as conn:
        statement = conn.execute("show statement_timeout").fetchone()[0]
        idle = conn.execute("show idle_in_transaction_session_timeout").fetchone()[0]
    assert statement != "0" and idle != "0", (statement, idle)


def test_report_timeout_is_a_clear_503(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    """A report cancelled by its role's time limit says so (503 STATEMENT_TIMEOUT), not PostgREST's 500.
    It also proves the emulator applies the role's ALTER ROLE … SET as PostgREST does."""
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    emp = employee(owner, "many@example.com")
    owner.execute(  # thousands of anomalous days: the report replays each one
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " select %s, 'CLOCK_OUT', timestamptz '2010-01-01 12:00+05:30' + n * interval '1 day', 'import', 't'"
        " from generate_series(0, 3999) as n",
        [emp],
    )
    (saved,) = owner.execute(
        "select s from pg_db_role_setting as d, unnest(d.setconfig) as s"
        " where d.setrole = 'hr_admin'::regrole and s like 'statement_timeout=%'"
    ).fetchone()
    owner.execute("alter role hr_admin set statement_timeout = '100ms'")
    try:
        r = api.rpc("anomaly_report", {}, claims=hr)
    finally:
        owner.execute(f"alter role hr_admin set statement_timeout = '{saved.split('=', 1)[1]}'")
    assert_clear_refusal(r, 503, "STATEMENT_TIMEOUT")


# -- class 2: timestamps and policy overrides ------------------------------------

FAR_INSTANTS = st.one_of(
    st.sampled_from(["-infinity", "infinity", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(2024, 1, 1), timezones=st.just(dt.UTC)).map(
        dt.datetime.isoformat
    ),
    st.datetimes(min_value=dt.datetime(2028, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=st.just(dt.UTC)).map(
        dt.datetime.isoformat
    ),
)


@FIXTURE_OK
@given(when=FAR_INSTANTS, kind=st.sampled_from(["CLOCK_IN", "CLOCK_OUT", "BREAK_START", "LUNCH_END"]))
def test_admin_event_outside_the_window_is_refused(
    api: PostgrestEmulator, owner: psycopg.Connection, hr: dict, when: str, kind: str
) -> None:
    emp = employee(owner, f"w-{uuid.uuid4().hex[:8]}@example.com")
    before = written(owner)
    r = api.rpc(
        "add_event", {"employee_id": str(emp), "event_type": kind, "occurred_at": when, "reason": "fix"}, claims=hr
    )
    assert r.status == 422 and r.code in ("BACKDATE_LIMIT_EXCEEDED", "OCCURRED_AT_IN_FUTURE"), r.body
    assert json.loads(r.body["hint"])["field"] == "occurred_at"
    assert written(owner) == before


@FIXTURE_OK
@given(when=FAR_INSTANTS, endpoint=st.sampled_from(["clock_in", "clock_out", "break_start"]))
def test_employee_punch_outside_the_window_is_refused(
    api: PostgrestEmulator, owner: psycopg.Connection, when: str, endpoint: str
) -> None:
    me = claims("employee", employee(owner, f"e-{uuid.uuid4().hex[:8]}@example.com"))
    before = written(owner)
    r = api.rpc(endpoint, {"occurred_at": when}, claims=me)
    assert r.status == 422 and r.code in ("BACKDATE_LIMIT_EXCEEDED", "OCCURRED_AT_IN_FUTURE"), r.body
    assert written(owner) == before


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(NO_NUL, max_size=20),
    st.sampled_from(["25:99", "10:00", "24:00", "9:5", "enforce", "GENERAL"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(NO_NUL, max_size=6), inner, max_size=3),
)
POLICY_KEYS = [
    "break_allowance_minutes",
    "lunch_allowance_minutes",
    "max_shift_hours",
    "clock_skew_seconds",
    "employee_backdate_minutes",
    "admin_backdate_days",
    "one_clock_in_per_day",
    "gatekeeper_mode",
    "general_shift",
]
VALID = {
    "break_allowance_minutes": st.integers(0, 720),
    "lunch_allowance_minutes": st.integers(0, 720),
    "max_shift_hours": st.integers(1, 24),
    "clock_skew_seconds": st.integers(0, 600),
    "employee_backdate_minutes": st.integers(0, 527040),
    "admin_backdate_days": st.integers(0, 3660),
    "one_clock_in_per_day": st.booleans(),
    "gatekeeper_mode": st.sampled_from(["enforce", "availability_first", "off"]),
    "general_shift": st.tuples(st.integers(0, 22), st.integers(0, 59), st.integers(1, 23)).map(
        lambda t: {"start": f"{t[0]:02d}:{t[1]:02d}", "end": f"{max(t[0] + 1, t[2]):02d}:00"}
    ),
}


def is_valid(key: str, value: Any) -> bool:
    """The rules of app.policy_value_problem, restated for the generator's oracle."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    ranges = {
        "break_allowance_minutes": (0, 720),
        "lunch_allowance_minutes": (0, 720),
        "max_shift_hours": (1, 24),
        "clock_skew_seconds": (0, 600),
        "employee_backdate_minutes": (0, 527040),
        "admin_backdate_days": (0, 3660),
    }
    if key in ranges:
        return whole and ranges[key][0] <= value <= ranges[key][1]
    if key == "one_clock_in_per_day":
        return isinstance(value, bool)
    if key == "gatekeeper_mode":
        return value in ("enforce", "availability_first", "off")
    if key == "general_shift":

        def hhmm(v: Any) -> bool:
            return (
                isinstance(v, str)
                and len(v) == 5
                and v[2] == ":"
                and v[:2].isdigit()
                and v[3:].isdigit()
                and (int(v[:2]) < 24 and int(v[3:]) < 60)
            )

        return (
            isinstance(value, dict)
            and set(value) == {"start", "end"}
            and hhmm(value["start"])
            and hhmm(value["end"])
            and value["start"] < value["end"]
        )
    return False


@FIXTURE_OK
@given(key=st.sampled_from(POLICY_KEYS), value=JSON_VALUES)
def test_invalid_override_is_refused_when_written(
    api: PostgrestEmulator, owner: psycopg.Connection, hr: dict, key: str, value: Any
) -> None:
    emp = employee(owner, f"o-{uuid.uuid4().hex[:8]}@example.com")
    email = owner.execute("select email from app.employees where id = %s", [emp]).fetchone()[0]
    before = written(owner)
    config = {"shift_type": "GENERAL", key: value}
    r = api.rpc("upsert_employee", {"email": email, "full_name": "O", "shift_config": config}, claims=hr)
    if is_valid(key, value):
        assert r.status == 200, r.body
        # and it is usable: a punch for that employee does not fail on it
        me = claims("employee", emp)
        assert api.rpc("clock_in", {"plan": PLAN}, claims=me).status in (200, 422), "a valid override broke a punch"
    else:
        assert_clear_refusal(r, 422, "INVALID_ARGUMENT", "shift_config")
        assert written(owner) == before


@FIXTURE_OK
@given(key=st.sampled_from(POLICY_KEYS), value=JSON_VALUES)
def test_settings_follow_the_same_rules(owner: psycopg.Connection, key: str, value: Any) -> None:
    before = owner.execute("select value from app.settings where key = %s", [key]).fetchone()
    try:
        owner.execute("update app.settings set value = %s where key = %s", [Jsonb(value), key])
        accepted = True
    except psycopg.Error as exc:
        assert exc.diag.sqlstate == "PT422" and exc.diag.message_primary == "INVALID_ARGUMENT"
        accepted = False
    assert accepted == is_valid(key, value)
    owner.execute("update app.settings set value = %s where key = %s", [Jsonb(before[0]), key])


# -- one employee's extreme data cannot break reads of many ---------------------


def test_extreme_employee_cannot_break_boards_timesheet_or_report(
    api: PostgrestEmulator, owner: psycopg.Connection
) -> None:
    boss = employee(owner, "boss@example.com", role="approver")
    hr = claims("hr_admin", employee(owner, "hr@example.com", role="hr_admin"))
    normal = employee(owner, "normal@example.com", manager=boss)
    wild = employee(owner, "wild@example.com", manager=boss)
    # the widest values every bound allows
    owner.execute(
        "update app.employees set full_name = repeat('W', 200), department = repeat('字', 200),"
        " slack_user_id = repeat('U', 64), badge_id = repeat('b', 64), employee_number = repeat('9', 64),"
        " shift_config = %s where id = %s",
        [
            Jsonb(
                {
                    "shift_type": "GENERAL",
                    "break_allowance_minutes": 0,
                    "lunch_allowance_minutes": 720,
                    "max_shift_hours": 1,
                    "general_shift": {"start": "00:00", "end": "23:59"},
                }
            ),
            wild,
        ],
    )
    day = dt.date(2026, 11, 20)
    owner.execute(  # the window's edges, and a day of hundreds of punches
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, payload)"
        " values (%(w)s, 'CLOCK_IN', '2000-01-01 00:00:00+00', 'import', 't', '{}'),"
        " (%(w)s, 'CLOCK_OUT', '2099-12-31 23:59:59+00', 'import', 't', %(big)s)",
        {"w": wild, "big": Jsonb({"note": "n" * 8000})},
    )
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " select %s, (array['CLOCK_IN','BREAK_START','BREAK_END','LUNCH_START','LUNCH_END','CLOCK_OUT'])[1 + n %% 6]"
        "::app.event_type, timestamptz '2026-11-20 09:00+05:30' + n * interval '1 second', 'import', 't'"
        " from generate_series(0, 599) as n",
        [wild],
    )
    # and a legacy row from before the bounds: an upgraded database may hold one
    owner.execute("alter table app.attendance_events drop constraint attendance_events_occurred_at_window")
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " values (%s, 'CLOCK_IN', '-infinity', 'import', 't')",
        [wild],
    )
    owner.execute(
        "alter table app.attendance_events add constraint attendance_events_occurred_at_window check ("
        " occurred_at >= '2000-01-01 00:00:00+00' and occurred_at < '2100-01-01 00:00:00+00') not valid"
    )
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " values (%s, 'CLOCK_IN', '2026-11-20 10:00+05:30', 'import', 't')",
        [normal],
    )
    approver = claims("approver", boss)
    checks = {
        "hr_admin board": api.get("daily_status", claims=hr, filters={"business_date_ist": day}),
        "approver board": api.get("daily_status", claims=approver, filters={"business_date_ist": day}),
        "hr_admin all days (timesheet)": api.get("daily_status", claims=hr),
        "approver all days (timesheet)": api.get("daily_status", claims=approver),
        "anomaly report": api.rpc("anomaly_report", {}, claims=hr),
        "events": api.get("attendance_events", claims=hr),
        "employees": api.get("employees", claims=hr),
    }
    for name, r in checks.items():
        assert r.status == 200, (name, r.body)
    board = checks["hr_admin board"].body
    assert {row["employee_id"] for row in board} >= {str(normal), str(wild)}
    assert any(row["employee_id"] == str(normal) for row in checks["approver board"].body)
    minutes = sum(row["worked_minutes"] for row in checks["hr_admin all days (timesheet)"].body)
    assert minutes >= 0
    # and the wild employee can still punch today
    punch = api.rpc("clock_out", {}, claims=claims("employee", wild))
    assert punch.status < 500, punch.body


# -- class 4: one live outbox message per event ----------------------------------

OUTBOX_STEP = st.one_of(
    st.tuples(st.just("retry"), st.integers(0, 3)),
    st.tuples(st.just("reconcile"), st.just(0)),
    st.tuples(st.just("read_and_crash"), st.integers(1, 4)),  # a worker reads, then dies
    st.tuples(st.just("fail"), st.integers(0, 3)),  # a worker records a failure, message hidden for backoff
    st.tuples(st.just("succeed"), st.integers(0, 3)),
    st.tuples(st.just("strike"), st.integers(0, 3)),
    st.tuples(st.just("purge_one"), st.integers(0, 3)),  # an operator deletes a message
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(OUTBOX_STEP, min_size=1, max_size=20))
def test_an_event_never_has_two_live_messages(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str, steps: list
) -> None:
    hr = claims("hr_admin", employee(owner, f"hr-{uuid.uuid4().hex[:8]}@example.com", role="hr_admin"))
    emp = employee(owner, f"q-{uuid.uuid4().hex[:8]}@example.com")
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
        " select %s, t::app.event_type, now() - interval '1 day' + n * interval '1 hour', 'import', 't'"
        " from unnest(array['CLOCK_IN','CLOCK_OUT','CLOCK_IN','CLOCK_OUT']) with ordinality as x (t, n)",
        [emp],
    )
    ids = [
        r[0] for r in owner.execute("select id from app.attendance_events where employee_id = %s order by id", [emp])
    ]
    worker = dict(psycopg.conninfo.conninfo_to_dict(db_url), user="hithonix_worker")
    with psycopg.connect(psycopg.conninfo.make_conninfo(**worker), autocommit=True) as w:
        for kind, arg in steps:
            if kind == "retry":
                r = api.rpc("retry_sync", {"event_ids": [ids[arg]]}, claims=hr)
                assert r.status in (200, 409), r.body
            elif kind == "reconcile":
                w.execute("select app.reconcile_sync_v1()")
            elif kind == "read_and_crash":
                w.execute("select * from pgmq.read('keka_sync', 600, %s)", [arg])
            elif kind == "fail":
                w.execute("select app.record_sync_failure_v1(%s, false, 'HTTP 503')", [[ids[arg]]])
            elif kind == "succeed":
                w.execute("select app.record_sync_success_v1(%s, 'ref')", [[ids[arg]]])
                w.execute(
                    "select pgmq.delete('keka_sync', msg_id) from pgmq.q_keka_sync"
                    " where (message ->> 'event_id')::bigint = %s",
                    [ids[arg]],
                )
            elif kind == "strike":  # a message that failed on its own: re-sent later, or dead-lettered
                w.execute(
                    "select app.strike_sync_v1(msg_id, 'HTTP 400', 60) from pgmq.q_keka_sync"
                    " where (message ->> 'event_id')::bigint = %s",
                    [ids[arg]],
                )
            else:
                w.execute(
                    "select pgmq.delete('keka_sync', msg_id) from pgmq.q_keka_sync"
                    " where (message ->> 'event_id')::bigint = %s",
                    [ids[arg]],
                )
            most = owner.execute(
                "select coalesce(max(n), 0) from (select count(*) as n from pgmq.q_keka_sync"
                " group by (message ->> 'event_id')::bigint) as c"
            ).fetchone()[0]
            assert most <= 1, f"an event has {most} live messages after {kind}"


# -- class 5: who did it -----------------------------------------------------------


@FIXTURE_OK
@given(sub=st.text(NO_NUL, max_size=300) | st.just("hr@example.com") | st.none())
def test_recorded_actor_is_the_tokens_employee(
    api: PostgrestEmulator, owner: psycopg.Connection, sub: str | None
) -> None:
    emp = employee(owner, f"a-{uuid.uuid4().hex[:8]}@example.com")
    email = owner.execute("select email::text from app.employees where id = %s", [emp]).fetchone()[0]
    me = {"role": "employee", "employee_id": str(emp), **({"sub": sub} if sub is not None else {})}
    r = api.rpc("clock_in", {"plan": PLAN}, claims=me)
    assert r.status == 200, r.body
    assert r.body["event"]["created_by"] == email


# -- class 6: least exposure -----------------------------------------------------------


def test_kiosk_learns_only_name_and_state(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    employee(owner, "kim@example.com")
    kiosk = kiosk_device(owner)
    r = api.rpc("kiosk_punch", {"badge_id": "B-kim", "event_type": "CLOCK_IN"}, claims=kiosk)
    assert r.status == 200 and r.body == {"name": "kim", "state": "ON_SHIFT"}, r.body


@FIXTURE_OK
@given(
    event_type=st.text(NO_NUL, max_size=40).filter(
        lambda t: t not in {"CLOCK_IN", "CLOCK_OUT", "BREAK_START", "BREAK_END", "LUNCH_START", "LUNCH_END"}
    )
    | st.just("VOID")
    | st.none()
)
def test_kiosk_bad_event_type_is_422_naming_it(
    api: PostgrestEmulator, owner: psycopg.Connection, event_type: str | None
) -> None:
    if owner.execute("select count(*) from app.employees where badge_id = 'B-kim'").fetchone()[0] == 0:
        employee(owner, "kim@example.com")
    before = written(owner)
    r = api.rpc("kiosk_punch", {"badge_id": "B-kim", "event_type": event_type}, claims=kiosk_device(owner))
    assert_clear_refusal(r, 422, "INVALID_ARGUMENT", "event_type")
    assert written(owner) == before
