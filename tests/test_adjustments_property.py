"""Property (issue 14, parts 1 and 6): after any interleaving of live punches,
adjustment requests and their decisions (approve, reject, withdraw; punches
that replace existing ones: VOID + new event), hr_admin VOIDs, and payroll
period locks opened and reopened, valid or not, stored daily_status equals the
recomputation, the employee's ledger hash chain has no broken link
(api.verify_ledger's check), and a refused call leaves no trace (ledger, days,
requests)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import psycopg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import PLAN, allow_backdating, claims, employee
from worker.devtools.pgrest import PostgrestEmulator, Response

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
PUNCHES = ["clock_in", "clock_out", "break_start", "break_end", "lunch_start", "lunch_end"]
TYPES = ["CLOCK_IN", "CLOCK_OUT", "BREAK_START", "BREAK_END", "LUNCH_START", "LUNCH_END"]

# (event_type, minutes after the business date's 00:00 IST: up to the next night's 06:00)
requested_punch = st.tuples(st.sampled_from(TYPES), st.integers(0, 30 * 60))
step = st.one_of(
    st.tuples(st.just("punch"), st.sampled_from(PUNCHES), st.integers(0, 300)),
    st.tuples(st.just("punch"), st.sampled_from(PUNCHES), st.integers(0, 300)),
    st.tuples(
        st.just("adjust"),
        st.tuples(
            st.integers(0, 2),  # days before the clock's business date
            st.lists(requested_punch, min_size=1, max_size=3),
            st.one_of(st.none(), st.integers(0, 20)),  # which punch of that day the first one replaces
            st.sampled_from(["approve", "approve", "approve_hr", "reject", "withdraw", "pending"]),
        ),
        st.just(0),
    ),
    st.tuples(st.just("decide"), st.sampled_from(["approve", "reject", "withdraw"]), st.integers(0, 10)),
    st.tuples(st.just("void"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("lock"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("reopen"), st.just(None), st.just(0)),
)


def snapshot(conn: psycopg.Connection, emp: uuid.UUID) -> tuple[Any, ...]:
    events = conn.execute(
        "select count(*), coalesce(max(id), 0) from app.attendance_events where employee_id = %s", [emp]
    ).fetchone()
    days = conn.execute(
        "select coalesce(jsonb_agg(to_jsonb(d) - 'updated_at' order by business_date_ist), '[]')"
        " from app.daily_status d where employee_id = %s",
        [emp],
    ).fetchone()
    requests = conn.execute(
        "select coalesce(jsonb_agg(to_jsonb(r) order by id), '[]') from app.adjustment_requests r"
        " where employee_id = %s",
        [emp],
    ).fetchone()
    return events, days, requests


def ist_date(at: dt.datetime) -> dt.date:
    return at.astimezone(IST).date()


def decide(api: PostgrestEmulator, how: str, request_id: int, me: dict, mgr: dict, hr: dict) -> Response:
    if how == "approve":
        return api.rpc("approve_adjustment", {"adjustment_request_id": request_id}, claims=mgr)
    if how == "approve_hr":
        return api.rpc("approve_adjustment", {"adjustment_request_id": request_id}, claims=hr)
    if how == "reject":
        return api.rpc("reject_adjustment", {"adjustment_request_id": request_id, "reason": "property"}, claims=mgr)
    return api.rpc("withdraw_adjustment", {"adjustment_request_id": request_id}, claims=me)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=3, max_size=20), shift=st.sampled_from(["NIGHT", "GENERAL"]))
def test_adjustments_keep_days_derived_and_chain_valid(
    api: PostgrestEmulator, owner: psycopg.Connection, steps: list, shift: str
) -> None:
    allow_backdating(owner)
    owner.execute(
        "update app.settings set value = '1000' where key in ('adjustment_max_per_month', 'adjustment_max_days_back')"
    )
    # the examples share one database: reopen the previous example's locks, or they close this one's days
    owner.execute(
        "update app.period_locks set reopened_at = now(), reopened_by = 'test', reopen_reason = 'next example'"
        " where reopened_at is null"
    )
    tag = uuid.uuid4().hex[:10]
    mgr_id = employee(owner, f"m-{tag}@example.com", role="approver")
    emp = employee(owner, f"p-{tag}@example.com", manager=mgr_id, shift_type=shift)
    hr = claims("hr_admin", employee(owner, f"hr-{tag}@example.com", role="hr_admin"))
    me, mgr = claims("employee", emp), claims("approver", mgr_id)
    # ten days back, 08:00 IST: every punch, request and lock stays in the past
    today = dt.datetime.now(IST).date()
    clock = dt.datetime.combine(today - dt.timedelta(days=10), dt.time(8, 0), tzinfo=IST)
    for kind, what, minutes in steps:
        before = snapshot(owner, emp)
        r: Response | None = None
        if kind == "punch":
            clock += dt.timedelta(minutes=minutes)
            body: dict[str, Any] = {"occurred_at": clock.isoformat()}
            if what == "clock_in":
                body["plan"] = PLAN
            r = api.rpc(what, body, claims=me)
        elif kind == "adjust":
            back, punches, replaces, how = what
            day = ist_date(clock) - dt.timedelta(days=back)
            midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=IST)
            items: list[dict[str, Any]] = [
                {"event_type": t, "occurred_at": (midnight + dt.timedelta(minutes=m)).isoformat()}
                for t, m in punches
                if midnight + dt.timedelta(minutes=m) <= dt.datetime.now(IST)
            ]
            if not items:
                continue
            if replaces is not None:
                live = owner.execute(
                    "select ev.id from app.attendance_events ev where ev.employee_id = %s"
                    " and ev.business_date_ist = %s and ev.event_type <> 'VOID'"
                    " and not exists (select 1 from app.attendance_events x where x.corrects_event_id = ev.id)"
                    " order by ev.id",
                    [emp, day],
                ).fetchall()
                if live:
                    items[0]["replaces_event_id"] = live[replaces % len(live)][0]
            r = api.rpc(
                "request_adjustment",
                {"business_date": day.isoformat(), "kind": "ADD_PUNCHES", "reason": "property", "punches": items},
                claims=me,
            )
            if r.status == 200 and how != "pending":
                assert snapshot(owner, emp) != before
                before = snapshot(owner, emp)
                r = decide(api, how, r.body["id"], me, mgr, hr)
        elif kind == "decide":
            pending = owner.execute(
                "select id from app.adjustment_requests where employee_id = %s and status = 'PENDING' order by id",
                [emp],
            ).fetchall()
            if not pending:
                continue
            r = decide(api, what, pending[minutes % len(pending)][0], me, mgr, hr)
        elif kind == "void":
            ids = owner.execute(
                "select id from app.attendance_events where employee_id = %s and event_type <> 'VOID' order by id",
                [emp],
            ).fetchall()
            if not ids:
                continue
            r = api.rpc("void_event", {"event_id": ids[what % len(ids)][0], "reason": "property"}, claims=hr)
        elif kind == "lock":
            day = ist_date(clock) - dt.timedelta(days=what)
            r = api.rpc(
                "lock_period",
                {"date_from": day.isoformat(), "date_to": day.isoformat(), "reason": "property payroll"},
                claims=hr,
            )
            # a lock changes no attendance
            assert r.status in (200, 409), r.body
            r = None
        else:
            for (lock_id,) in owner.execute("select id from app.period_locks where reopened_at is null").fetchall():
                assert (
                    api.rpc("unlock_period", {"period_lock_id": lock_id, "reason": "property"}, claims=hr).status == 200
                )
        if r is not None:
            label = what[3] if kind == "adjust" else what if kind == "decide" else ""
            event(f"{kind} {label} -> {r.status} {r.code or ''}")
        if r is not None and r.status != 200:
            assert r.status < 500, r.body
            assert snapshot(owner, emp) == before, f"refused {kind} {what} ({r.code}) left a trace"
        diffs = owner.execute(
            "select * from app.daily_status_differences(%s, %s)", [today - dt.timedelta(days=15), today]
        ).fetchall()
        assert diffs == [], f"after {kind} {what}"
        broken = owner.execute("select app.ledger_first_break(%s, null, null)", [emp]).fetchone()
        assert broken == (None,), f"the hash chain broke after {kind} {what}: {broken}"
    # every approved ADD_PUNCHES request appended events, each in the ledger and linked to it
    unlinked = owner.execute(
        "select count(*) from app.adjustment_decisions d"
        " join app.adjustment_requests r on r.id = d.adjustment_request_id"
        " left join lateral unnest(d.event_ids) as e (id) on true"
        " left join app.attendance_events ev on ev.id = e.id"
        " where d.employee_id = %s and d.decision = 'APPROVED' and r.kind = 'ADD_PUNCHES'"
        " and (e.id is null or ev.id is null"
        " or (ev.payload ->> 'adjustment_request_id')::bigint is distinct from d.adjustment_request_id)",
        [emp],
    ).fetchone()
    assert unlinked == (0,)


def test_concurrent_requests_for_one_day_one_wins(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    """Eight sessions file for the same employee-day at once: exactly one is
    PENDING, the others get 409 ADJUSTMENT_OPEN_EXISTS, and the month's limit
    counts one (the advisory lock serializes them; the partial unique index
    would decide even without it, see sql/tests/720_adjustments.sql)."""
    me = employee(owner, f"racer-{uuid.uuid4().hex[:8]}@example.com")
    day = dt.datetime.now(IST).date() - dt.timedelta(days=1)
    body = {
        "business_date": day.isoformat(),
        "kind": "ADD_PUNCHES",
        "reason": "forgot to clock in",
        "punches": [{"event_type": "CLOCK_IN", "occurred_at": f"{day.isoformat()}T09:00:00+05:30"}],
    }
    n = 8
    barrier = threading.Barrier(n)
    results: list[Response] = []
    guard = threading.Lock()

    def one() -> None:
        barrier.wait()
        r = api.rpc("request_adjustment", body, claims=claims("employee", me))
        with guard:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted((r.status, r.code) for r in results)
    assert outcomes.count((200, None)) == 1, outcomes
    assert outcomes.count((409, "ADJUSTMENT_OPEN_EXISTS")) == n - 1, outcomes
    assert owner.execute(
        "select count(*) from app.adjustment_requests where employee_id = %s and status = 'PENDING'", [me]
    ).fetchone() == (1,)
