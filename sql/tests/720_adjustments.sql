-- Adjustment (regularization) requests (issue 14, part 1): who may ask, decide
-- and withdraw, what an approval writes (regularization events linked to the
-- request, VOIDs for replaced punches, the day re-derived, audit rows), the
-- limits and the one-open-request rule, each refusal with its exact code,
-- and the append-only decisions.
begin;
select plan(52);

select tests.allow_backdating();
select tests.set_setting('adjustment_max_per_month', '10');
select tests.create_employee('mgr@example.com', null, 'approver') as mgr \gset
select tests.create_employee('oth@example.com', null, 'approver') as oth \gset
select tests.create_employee('max@example.com', :'mgr') as max \gset
select tests.create_employee('hra@example.com', null, 'hr_admin') as hr \gset
select tests.today() - 2 as d, tests.today() - 5 as e, tests.today() - 40 as old \gset

-- max worked day d, left at 18:00 (an early clock-out: the day locks), and forgot the break
select tests.authenticate_as('employee', :'max');
select api.clock_in(tests.plan(), tests.ist(:'d' || ' 10:00')) -> 'event' ->> 'id' as in_id \gset
select api.clock_out(tests.ist(:'d' || ' 18:00')) -> 'event' ->> 'id' as out_id \gset
select is((tests.day(:'max', :'d')).lock_reason, 'EARLY_CLOCK_OUT_BEFORE_7PM', 'the early clock-out locked day d');

select jsonb_build_array(
    jsonb_build_object('event_type', 'BREAK_START', 'occurred_at', tests.ist(:'d' || ' 13:00')),
    jsonb_build_object('event_type', 'BREAK_END', 'occurred_at', tests.ist(:'d' || ' 13:20'))
) as brk \gset
select (api.request_adjustment(:'d', 'ADD_PUNCHES', 'forgot to punch my break', :'brk') ->> 'id')::bigint as r1 \gset
select is(
    (select status from api.adjustment_requests where id = :r1), 'PENDING', 'the request is pending'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'again', %L)$$, :'d', :'brk'),
    'PT409', 'ADJUSTMENT_OPEN_EXISTS', 'one open request per employee-day'
);
select is(
    tests.error_hint(format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'again', %L)$$, :'d', :'brk')),
    jsonb_build_object('adjustment_request_id', :r1), 'the refusal names the pending request'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'long ago', %L)$$, :'old', :'brk'),
    'PT422', 'ADJUSTMENT_TOO_OLD', 'a day beyond adjustment_max_days_back is refused'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'tomorrow', %L)$$, tests.today() + 1, :'brk'),
    'PT422', 'INVALID_ARGUMENT', 'a future day is refused'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', '', %L)$$, :'e', :'brk'),
    'PT422', 'INVALID_ARGUMENT', 'a request needs a reason'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'sneaky', %L)$$, :'e',
        jsonb_build_array(jsonb_build_object('event_type', 'VOID', 'occurred_at', tests.ist(:'e' || ' 10:00')))),
    'PT422', 'INVALID_ARGUMENT', 'a VOID cannot be requested as a punch'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'garbage', %L)$$, :'e',
        '[{"event_type": "CLOCK_IN", "occurred_at": "not a time"}]'),
    'PT422', 'INVALID_ARGUMENT', 'an unreadable occurred_at is a 422, not a 500'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'wrong day', %L)$$, :'e',
        jsonb_build_array(jsonb_build_object('event_type', 'CLOCK_IN', 'occurred_at', tests.ist(:'d' || ' 10:00')))),
    'PT422', 'INVALID_ARGUMENT', 'a punch must fall on the requested day'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'nothing', '[]')$$, :'e'),
    'PT422', 'INVALID_ARGUMENT', 'ADD_PUNCHES needs at least one punch'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'too many', %L)$$, :'e',
        (select jsonb_agg(jsonb_build_object('event_type', 'CLOCK_IN', 'occurred_at', tests.ist(:'e' || ' 10:00')))
         from generate_series(1, 9))),
    'PT422', 'INVALID_ARGUMENT', 'at most 8 punches'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'not mine', %L)$$, :'e',
        jsonb_build_array(jsonb_build_object(
            'event_type', 'CLOCK_OUT', 'occurred_at', tests.ist(:'e' || ' 19:00'), 'replaces_event_id', :out_id
        ))),
    'PT422', 'INVALID_ARGUMENT', 'replaces_event_id must be a punch of that day'
);
select throws_ok(
    format($$select api.request_adjustment(%L, 'EXEMPT_LOCK', 'not locked')$$, :'e'),
    'PT409', 'DAY_NOT_LOCKED', 'EXEMPT_LOCK needs a locked day'
);
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :r1), '42501', null, 'an employee cannot approve at all'
);
select throws_ok(
    $$insert into app.adjustment_requests (employee_id, business_date, kind, punches, reason, requested_by)
      values (app.current_employee_id(), tests.today(), 'EXEMPT_LOCK', '[]', 'direct', 'me')$$,
    '42501', null, 'a client cannot write the requests table directly'
);

-- deciding: never on one's own request, only in the chain
select tests.authenticate_as('approver', :'mgr');
select (api.request_adjustment(:'d', 'ADD_PUNCHES', 'my own break', :'brk') ->> 'id')::bigint as rm \gset
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :rm), 'PT403', 'ADJUSTMENT_SELF_APPROVAL',
    'an approver cannot approve their own request'
);
select tests.authenticate_as('hr_admin', :'hr');
select (api.request_adjustment(:'d', 'ADD_PUNCHES', 'my own break', :'brk') ->> 'id')::bigint as rh \gset
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :rh), 'PT403', 'ADJUSTMENT_SELF_APPROVAL',
    'hr_admin cannot approve their own request either'
);
select tests.authenticate_as('approver', :'oth');
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :r1), 'PT403', 'FORBIDDEN',
    'an approver outside the chain cannot approve'
);
select is((select count(*)::integer from api.adjustment_requests where employee_id = :'max'), 0,
    'an approver outside the chain does not see the request');
select tests.authenticate_as('approver', :'mgr');
select throws_ok($$select api.approve_adjustment(999999999)$$, 'PT404', 'ADJUSTMENT_NOT_FOUND', 'an unknown request is 404');
select is(
    (select array_agg(id order by id) from api.adjustment_requests where status = 'PENDING'),
    array[:r1, :rm]::bigint[], 'the manager sees their chain''s pending requests (and their own)'
);

select api.approve_adjustment(:r1, 'ok, the break was at 13:00') as approved \gset
select is(:'approved'::jsonb -> 'request' ->> 'status', 'APPROVED', 'the manager approves');
select is(
    (select array_agg(event_type::text || '/' || source order by id) from app.attendance_events
     where employee_id = :'max' and payload ->> 'adjustment_request_id' = :'r1'),
    array['BREAK_START/regularization', 'BREAK_END/regularization'],
    'the punches are appended to the ledger as regularization events linked to the request'
);
select is(
    (:'approved'::jsonb -> 'decision' -> 'event_ids'),
    (select jsonb_agg(id order by id) from app.attendance_events where payload ->> 'adjustment_request_id' = :'r1'),
    'the decision names the events it appended'
);
select is((tests.day(:'max', :'d')).break_minutes_used, 20, 'the day is re-derived in the same transaction');
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :r1), 'PT409', 'ADJUSTMENT_NOT_PENDING', 'a decided request cannot be approved again'
);
select throws_ok(
    format($$select api.reject_adjustment(%s, 'too late')$$, :r1), 'PT409', 'ADJUSTMENT_NOT_PENDING', 'nor rejected'
);

-- a replaced punch: the early clock-out becomes 19:30 (a VOID and the new event)
select tests.authenticate_as('employee', :'max');
select (api.request_adjustment(:'d', 'ADD_PUNCHES', 'I left at 19:30', jsonb_build_array(jsonb_build_object(
    'event_type', 'CLOCK_OUT', 'occurred_at', tests.ist(:'d' || ' 19:30'), 'replaces_event_id', :out_id
))) ->> 'id')::bigint as r2 \gset
select tests.authenticate_as('hr_admin', :'hr');
select is(api.approve_adjustment(:r2) -> 'daily_status' ->> 'is_locked', 'false', 'hr_admin approves: the day is no longer locked');
select is(
    (select array_agg(event_type::text || coalesce('>' || corrects_event_id::text, '') order by id)
     from app.attendance_events where payload ->> 'adjustment_request_id' = :'r2'),
    array['VOID>' || :out_id, 'CLOCK_OUT'],
    'the replaced clock-out is voided and the new one appended'
);

-- reject needs a reason; withdraw is the requester's alone
select tests.authenticate_as('employee', :'max');
select (api.request_adjustment(:'e', 'ADD_PUNCHES', 'came in that day', jsonb_build_array(
    jsonb_build_object('event_type', 'CLOCK_IN', 'occurred_at', tests.ist(:'e' || ' 09:00'))
)) ->> 'id')::bigint as r3 \gset
select (api.request_adjustment(:'e'::date - 1, 'ADD_PUNCHES', 'came in that day too', jsonb_build_array(
    jsonb_build_object('event_type', 'CLOCK_IN', 'occurred_at', tests.ist((:'e'::date - 1) || ' 09:00'))
)) ->> 'id')::bigint as r4 \gset
select tests.authenticate_as('approver', :'mgr');
select throws_ok(format($$select api.reject_adjustment(%s, '')$$, :r3), 'PT422', 'INVALID_ARGUMENT', 'a rejection needs a reason');
select is(api.reject_adjustment(:r3, 'you were on leave') -> 'request' ->> 'status', 'REJECTED', 'the manager rejects with a reason');
select throws_ok(format($$select api.withdraw_adjustment(%s)$$, :r4), 'PT403', 'FORBIDDEN', 'only the requester withdraws');
select tests.authenticate_as('employee', :'max');
select is(api.withdraw_adjustment(:r4) -> 'request' ->> 'status', 'WITHDRAWN', 'the requester withdraws while pending');
select throws_ok(format($$select api.withdraw_adjustment(%s)$$, :r4), 'PT409', 'ADJUSTMENT_NOT_PENDING', 'once');
select is(
    (select array_agg(id order by id) from api.adjustment_requests), array[:r1, :r2, :r3, :r4]::bigint[],
    'an employee sees their own requests only'
);

-- the monthly limit counts the month's requests that were not withdrawn
select tests.clear_authentication();
select tests.set_setting('adjustment_max_per_month', to_jsonb(count(*)))
from app.adjustment_requests
where employee_id = :'max' and status <> 'WITHDRAWN'
    and date_trunc('month', business_date) = date_trunc('month', :'d'::date);
select tests.authenticate_as('employee', :'max');
select throws_ok(
    format($$select api.request_adjustment(%L, 'ADD_PUNCHES', 'one more', %L)$$, :'d', :'brk'),
    'PT422', 'ADJUSTMENT_LIMIT', 'adjustment_max_per_month is enforced'
);
select tests.clear_authentication();
select tests.set_setting('adjustment_max_per_month', '10');

-- EXEMPT_LOCK: a locked day unlocked by the approval
select tests.create_employee('amy@example.com', :'mgr') as amy \gset
select tests.authenticate_as('employee', :'amy');
select api.clock_in(tests.plan(), tests.ist(:'e' || ' 10:00'));
select api.clock_out(tests.ist(:'e' || ' 17:00'));
select ok((tests.day(:'amy', :'e')).is_locked, 'day e is locked by an early clock-out');
select (api.request_adjustment(:'e', 'EXEMPT_LOCK', 'client call ran late, manager knew') ->> 'id')::bigint as r5 \gset
select tests.authenticate_as('approver', :'mgr');
select is(api.approve_adjustment(:r5) -> 'daily_status' ->> 'is_locked', 'false', 'approving EXEMPT_LOCK unlocks the day');
select tests.clear_authentication();
select is(
    (select array_agg(a.action || '/' || a.reason || '/' || (a.context ->> 'adjustment_request_id'))
     from app.audit_logs as a where a.entity = 'daily_status' and a.entity_id = :'amy' || '/' || :'e'),
    array['UNLOCK_DAY/client call ran late, manager knew/' || :r5],
    'the approval unlocks through the one unlock: its UNLOCK_DAY audit row names the request'
);

-- audit, derivation, append-only
select is(
    (select array_agg(action order by id) from app.audit_logs where entity = 'adjustment_requests' and entity_id = :'r1'),
    array['ADJUSTMENT_REQUEST', 'ADJUSTMENT_APPROVE'], 'the request and its approval are audited'
);
select is(
    (select count(*)::integer from app.audit_logs
     where action = 'ADJUSTMENT_REJECT' and entity_id = :'r3' and reason = 'you were on leave' and actor_slack_id = 'mgr@example.com'),
    1, 'the rejection is audited with its reason and actor'
);
select is((select count(*)::integer from app.daily_status_differences(:'old', tests.today())), 0, 'stored equals recomputed');
select is(app.ledger_first_break(:'max', null, null), null, 'the ledger chain holds');
select throws_ok(
    format($$update app.adjustment_decisions set reason = 'rewritten' where adjustment_request_id = %s$$, :r1),
    'PT403', 'APPEND_ONLY', 'a decision cannot be rewritten, owner included'
);
select throws_ok(
    format($$delete from app.adjustment_decisions where adjustment_request_id = %s$$, :r1),
    'PT403', 'APPEND_ONLY', 'nor deleted'
);
select throws_ok(
    format($$update app.adjustment_requests set punches = '[]', kind = 'EXEMPT_LOCK' where id = %s$$, :r1),
    'PT403', 'ADJUSTMENT_IMMUTABLE', 'what a request asked for never changes'
);
select throws_ok(
    format($$insert into app.adjustment_requests (employee_id, business_date, kind, punches, reason, requested_by)
      values (%L, %L, 'EXEMPT_LOCK', '[]', 'second open one', 'owner')$$, :'mgr', :'d'),
    '23505', null, 'the partial unique index holds one open request per employee-day, whoever inserts'
);

-- the decision sets the request's status (trigger), and nothing else does
select tests.authenticate_as('employee', :'amy');
select (api.request_adjustment(:'e', 'ADD_PUNCHES', 'I left at 19:00 in fact', jsonb_build_array(jsonb_build_object(
    'event_type', 'CLOCK_OUT', 'occurred_at', tests.ist(:'e' || ' 19:00'), 'replaces_event_id', ev.id
))) ->> 'id')::bigint as r6, ev.id as amy_out
from app.attendance_events as ev
where ev.employee_id = :'amy' and ev.event_type = 'CLOCK_OUT'
order by ev.id desc limit 1 \gset
select tests.authenticate_as('hr_admin', :'hr');
select api.void_event(:amy_out, 'wrong clock-out') is not null as ok \gset
select tests.authenticate_as('approver', :'mgr');
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :r6), 'PT409', 'EVENT_ALREADY_VOIDED',
    'approving a request whose replaced event was voided since is 409 (the one-void index, mapped)'
);
select tests.clear_authentication();
select throws_ok(
    format($$update app.adjustment_requests set status = 'APPROVED' where id = %s$$, :r6),
    'PT403', 'ADJUSTMENT_IMMUTABLE', 'a status never moves without its decision, owner included'
);
insert into app.adjustment_decisions (employee_id, adjustment_request_id, decision, reason, decided_by)
values (:'amy', :r6, 'REJECTED', 'voided meanwhile', 'owner');
select is(
    (select status from app.adjustment_requests where id = :r6), 'REJECTED',
    'a decision, however inserted, moves its request''s status'
);
select is(
    (select count(*)::integer from app.adjustment_requests as r
     where r.status <> 'PENDING' and not exists (
        select 1 from app.adjustment_decisions as d
        where d.employee_id = r.employee_id and d.adjustment_request_id = r.id and d.decision = r.status
     )),
    0, 'every decided request''s status is its decision''s'
);

select * from finish();
rollback;
