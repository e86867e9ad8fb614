-- hr_admin corrections are new ledger rows, audited: add_event (back-dated,
-- outside the live state machine) and void_event (removes the target from the
-- derivation). Others cannot call them.
begin;
select plan(16);

select tests.allow_backdating();
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('max@example.com') as max \gset

select tests.authenticate_as('employee', :'max');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00')) -> 'event' ->> 'id' as in_id \gset
select api.clock_out(tests.ist('2026-11-20 18:00')) -> 'event' ->> 'id' as out_id \gset
select tests.clear_authentication();
select is((tests.day(:'max', '2026-11-20')).lock_reason, 'EARLY_CLOCK_OUT_BEFORE_7PM', 'the early clock-out locked the day');

-- the token's sub is not what gets recorded: the actor is the token's employee
select tests.authenticate_as('hr_admin', :'hr', '{"sub": "U-HR"}');
select set_config('request.headers', '{"x-request-id": "req-42"}', true);
select is(
    api.void_event(:'out_id'::bigint, 'wrong punch, left at 19:30') -> 'daily_status' ->> 'current_status',
    'ON_SHIFT', 'voiding the clock-out reopens the shift'
);
select is(
    api.add_event(:'max', 'CLOCK_OUT', tests.ist('2026-11-20 19:30'), 'forgot to clock out at 19:30') -> 'daily_status' ->> 'is_locked',
    'false', 'the admin-added clock-out at 19:30 leaves the day unlocked'
);
select throws_ok(
    format($$select api.void_event(%s, 'again please')$$, :'out_id'),
    'PT409', 'EVENT_ALREADY_VOIDED', 'an event is voided once'
);
select throws_ok($$select api.void_event(999999999, 'no such event')$$, 'PT404', 'EVENT_NOT_FOUND', 'voiding an unknown event is 404');
select throws_ok(
    format($$select api.void_event(%s, '')$$, :'in_id'), 'PT422', 'INVALID_ARGUMENT', 'a void needs a reason'
);
select throws_ok(
    format($$select api.add_event(%L, 'VOID', now(), 'sneaky void')$$, :'max'),
    'PT422', 'INVALID_ARGUMENT', 'add_event does not take VOID'
);
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_IN', now() + interval '1 hour', 'future punch')$$, :'max'),
    'PT422', 'OCCURRED_AT_IN_FUTURE', 'admins cannot add future events either'
);
select throws_ok(
    $$select api.add_event(gen_random_uuid(), 'CLOCK_IN', now(), 'unknown person')$$,
    'PT404', 'EMPLOYEE_NOT_FOUND', 'add_event for an unknown employee is 404'
);
select tests.clear_authentication();

select is(
    (select count(*)::integer from app.audit_logs
     where action = 'VOID_EVENT' and entity_id = :'out_id' and actor_slack_id = 'hr@example.com'
       and request_id = 'req-42' and before ->> 'event_type' = 'CLOCK_OUT'),
    1, 'the void is audited with actor, request id and the voided event'
);
select is(
    (select after - 'id' - 'created_at' - 'recorded_at' - 'occurred_at' - 'business_date_ist' - 'request_hash' - 'sync_status'
     from app.audit_logs where action = 'VOID_EVENT' and entity_id = :'out_id'),
    (select to_jsonb(ev) - 'id' - 'created_at' - 'recorded_at' - 'occurred_at' - 'business_date_ist' - 'request_hash' - 'sync_status'
     from app.attendance_events as ev where ev.corrects_event_id = :'out_id'::bigint),
    'the void''s audit row holds the VOID as written (app.record_admin_event, like every admin event)'
);
select hasnt_function(
    'app', 'record_admin_event', array['uuid', 'app.event_type', 'timestamp with time zone', 'text', 'text', 'jsonb', 'jsonb'],
    'one app.record_admin_event: the signature without the corrected event is gone'
);
select is(
    (select count(*)::integer from app.audit_logs
     where action = 'ADMIN_ADJUST' and target_employee_id = :'max' and after ->> 'source' = 'admin'),
    1, 'the added event is audited'
);
select is(
    (select array_agg(event_type::text order by id) from app.attendance_events where employee_id = :'max'),
    array['CLOCK_IN', 'CLOCK_OUT', 'VOID', 'CLOCK_OUT'],
    'the ledger kept the original clock-out; the correction is new rows'
);

select tests.authenticate_as('approver', :'hr');
select throws_ok(
    format($$select api.void_event(%s, 'approver tries')$$, :'in_id'), '42501', null,
    'an approver cannot void'
);
select tests.clear_authentication();
select is((select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0, 'stored equals recomputed after the corrections');

select * from finish();
rollback;
