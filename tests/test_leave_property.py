"""Property: after any sequence of leave requests, approvals, rejections,
cancellations, accruals, adjustments and punches (valid or not, by any role):
no two approved (or pending) leaves of an employee overlap, every balance the
API shows equals its ledger sum, stored daily_status equals the recomputation
(leave days included), each request's ledger rows match its status, and a
refused call leaves no trace."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import allow_backdating, claims, employee
from worker.devtools.pgrest import PostgrestEmulator

POLICIES = ["ANNUAL", "CASUAL", "UNPAID", "SICK"]

step = st.one_of(
    st.tuples(
        st.just("request"),
        st.integers(0, 1),
        st.just("UNPAID"),
        st.integers(1, 30),
        st.integers(0, 2),
        st.just(False),
        st.just(False),
    ),
    st.tuples(
        st.just("request"),
        st.integers(0, 2),  # who: employee 0, 1, or hr_admin for employee 0
        st.sampled_from(POLICIES),
        st.integers(-12, 30),  # start, days from today
        st.integers(0, 4),  # length
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("approve"), st.integers(0, 30), st.sampled_from(["manager", "hr", "self"])),
    st.tuples(st.just("reject"), st.integers(0, 30), st.sampled_from(["manager", "hr", "self"])),
    st.tuples(st.just("cancel"), st.integers(0, 30), st.sampled_from(["owner", "hr", "manager"])),
    st.tuples(st.just("accrue"), st.integers(-40, 40)),
    st.tuples(st.just("adjust"), st.integers(0, 1), st.sampled_from(POLICIES), st.integers(-6, 6)),
    st.tuples(st.just("punch"), st.integers(0, 1), st.integers(-12, 0), st.sampled_from(["CLOCK_IN", "CLOCK_OUT"])),
)


def trace(conn: psycopg.Connection) -> tuple:
    return (
        conn.execute(
            "select (select count(*) from app.leave_requests),"
            " (select coalesce(jsonb_agg(to_jsonb(r) order by id), '[]') from app.leave_requests r),"
            " (select count(*) from app.leave_ledger),"
            " (select count(*) from pgmq.q_calendar_sync),"
            " (select count(*) from app.audit_logs)"
        ).fetchone()
        or ()
    )


def check_invariants(owner: psycopg.Connection, today: dt.date) -> None:
    overlaps = owner.execute(
        "select a.id, b.id from app.leave_requests a join app.leave_requests b"
        " on a.employee_id = b.employee_id and a.id < b.id and a.slots && b.slots"
        " where a.status in ('PENDING', 'APPROVED') and b.status in ('PENDING', 'APPROVED')"
    ).fetchall()
    assert overlaps == []
    balances = owner.execute(
        "select b.employee_id, b.policy_code, b.leave_year, b.balance, ("
        "  select sum(l.days) from app.leave_ledger l where l.employee_id = b.employee_id"
        "  and l.policy_code = b.policy_code and extract(year from l.effective_date) = b.leave_year)"
        " from api.leave_balances b"
    ).fetchall()
    for emp, policy, year, shown, summed in balances:
        assert shown == (summed or 0), (emp, policy, year, shown, summed)
    lo, hi = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
    assert owner.execute("select * from app.daily_status_differences(%s, %s)", [lo, hi]).fetchall() == []
    assert owner.execute("select * from app.leave_differences(%s, %s)", [lo, hi]).fetchall() == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_leave_invariants(api: PostgrestEmulator, owner: psycopg.Connection, steps: list) -> None:
    allow_backdating(owner)
    tag = uuid.uuid4().hex[:8]
    manager = employee(owner, f"m-{tag}@example.com", role="approver")
    staff = [employee(owner, f"e{i}-{tag}@example.com", manager=manager) for i in range(2)]
    hr = employee(owner, f"hr-{tag}@example.com", role="hr_admin")
    owner.execute(
        "insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by)"
        " select s, p, 'ADJUSTMENT', 6, app.ist_date(now()), 'test' from unnest(%s::uuid[]) as s,"
        " unnest(array['ANNUAL', 'CASUAL', 'SICK']) as p",
        [staff],
    )
    today = owner.execute("select app.ist_date(now())").fetchone()[0]  # type: ignore[index]
    who = {
        "manager": claims("approver", manager),
        "hr": claims("hr_admin", hr),
        0: claims("employee", staff[0]),
        1: claims("employee", staff[1]),
    }

    def request_ids(pending_first: bool) -> list[tuple[int, uuid.UUID]]:
        # decisions mostly go to pending requests; the others probe the refusals
        return owner.execute(
            "select id, employee_id from app.leave_requests where employee_id = any(%s)"
            " order by case when %s and status = 'PENDING' then 0 else 1 end, id",
            [staff, pending_first],
        ).fetchall()

    for action, *args in steps:
        before = trace(owner)
        if action == "request":
            whom, policy, start, length, half_start, half_end = args
            begin = today + dt.timedelta(days=start)
            body = {
                "policy_code": policy,
                "start_date": begin.isoformat(),
                "end_date": (begin + dt.timedelta(days=length)).isoformat(),
                "half_day_start": half_start,
                "half_day_end": half_end,
                "reason": "property test",
            }
            if whom == 2:
                body["employee_id"] = str(staff[0])
            r = api.rpc("request_leave", body, claims=who["hr"] if whom == 2 else who[whom])
        elif action in ("approve", "reject", "cancel"):
            pick, actor = args
            ids = request_ids(action != "cancel")
            if not ids:
                continue
            request_id, owner_id = ids[0] if pick % 3 else ids[pick % len(ids)]
            if actor == "self":
                claim = claims("approver", owner_id)  # the employee themself, even with the approver role
            elif actor == "owner":
                claim = claims("employee", owner_id)
            else:
                claim = who[actor]
            r = api.rpc(f"{action}_leave", {"leave_request_id": request_id, "reason": "property test"}, claims=claim)
            if actor == "self" and action != "cancel":
                assert r.status == 403, r.body
        elif action == "accrue":
            owner.execute("select count(*) from app.leave_accrue_v1(%s, true)", [today + dt.timedelta(days=args[0])])
            continue
        elif action == "adjust":
            whom, policy, days = args
            if days == 0:
                continue
            r = api.rpc(
                "adjust_leave_balance",
                {"employee_id": str(staff[whom]), "policy_code": policy, "days": days, "reason": "property test"},
                claims=who["hr"],
            )
        else:
            whom, offset, kind = args
            owner.execute(
                "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)"
                " values (%s, %s, (%s::date + time '10:00') at time zone 'Asia/Kolkata'"
                " + make_interval(hours => case when %s = 'CLOCK_OUT' then 9 else 0 end), 'import', 'test')",
                [staff[whom], kind, today + dt.timedelta(days=offset), kind],
            )
            continue
        if r.status != 200:
            assert r.status < 500, (action, r.status, r.body)
            assert trace(owner) == before, f"refused {action} ({r.code}) left a trace"
    check_invariants(owner, today)
    for status, count in owner.execute(
        "select status, count(*) from app.leave_requests where employee_id = any(%s) group by status", [staff]
    ).fetchall():
        event(f"{status} requests: {'some' if count else 'none'}")
