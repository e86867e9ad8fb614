-- The set-based import (app.import_events_v1): business dates by the same rule
-- as the row-by-row trigger (night shifts across midnight, shifts already in
-- the ledger, voided edges, max_shift_hours), days derived, outbox written, one
-- pass; refused input leaves nothing.
begin;
select plan(12);

select tests.create_employee('nina@example.com', null, 'employee', 'NIGHT') as nina \gset
select tests.create_employee('gus@example.com') as gus \gset

-- already in the ledger: nina's night shift opened at 22:00 on the 19th; gus's
-- CLOCK_IN on the 19th at 09:00, voided
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'nina', 'CLOCK_IN', tests.ist('2026-11-19 22:00'), 'import', 'test'),
    (:'gus', 'CLOCK_IN', tests.ist('2026-11-19 09:00'), 'import', 'test');
select id as gus_in from app.attendance_events where employee_id = :'gus' \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, corrects_event_id)
values (:'gus', 'VOID', now(), 'admin', 'test', :gus_in);

select count(*) as messages_before from pgmq.q_keka_sync \gset
set local track_functions = 'all';
select is(
    app.import_events_v1(
        array[:'nina', :'nina', :'nina', :'nina', :'nina', :'gus', :'gus', :'gus']::uuid[],
        array[
            'BREAK_START', 'BREAK_END', 'CLOCK_OUT', 'CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'CLOCK_IN', 'CLOCK_OUT'
        ]::app.event_type[],
        array[
            tests.ist('2026-11-20 01:00'), tests.ist('2026-11-20 01:15'), tests.ist('2026-11-20 06:00'),
            tests.ist('2026-11-20 22:00'), tests.ist('2026-11-21 06:00'),
            tests.ist('2026-11-19 10:00'), tests.ist('2026-11-20 09:00'), tests.ist('2026-11-20 18:00')
        ],
        'test import'
    ),
    8,
    'eight rows imported'
);
select is(
    (select array_agg(business_date_ist order by occurred_at) from app.attendance_events
     where employee_id = :'nina' and source = 'import'),
    array['2026-11-19', '2026-11-19', '2026-11-19', '2026-11-19', '2026-11-20', '2026-11-20']::date[],
    'night shifts: events after midnight belong to the shift that opened the evening before, in the ledger or staged'
);
select is(
    (select array_agg(business_date_ist order by occurred_at) from app.attendance_events
     where employee_id = :'gus' and source = 'import' and event_type <> 'CLOCK_IN' or (employee_id = :'gus' and occurred_at > tests.ist('2026-11-20 00:00') and event_type = 'CLOCK_IN')),
    array['2026-11-19', '2026-11-20', '2026-11-20']::date[],
    'a voided CLOCK_IN owns nothing'
);
select is(
    pg_stat_get_xact_function_calls('app.derive_days(uuid[], date[], boolean)'::regprocedure), 1::bigint,
    'the days are derived in one pass'
);
select is((select count(*)::integer from app.business_date_mismatches()), 0, 'every date equals the row-by-row rule');
select is(
    (select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0,
    'stored equals recomputed'
);
select is(
    (select count(*) from pgmq.q_keka_sync) - :messages_before, 5::bigint,
    'one outbox message per imported CLOCK_IN/CLOCK_OUT'
);
select throws_ok(
    $$select app.import_events_v1(array[gen_random_uuid()], array['VOID']::app.event_type[], array[now()], 'x')$$,
    'PT422', 'INVALID_ARGUMENT', 'a VOID is not imported'
);
select throws_ok(
    format($$select app.import_events_v1(array[%L]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[], array[now()], 'x')$$, :'gus'),
    'PT422', 'INVALID_ARGUMENT', 'the arrays must be parallel'
);

-- a row without an employee (or type, or instant) is refused, not dropped by
-- the dates' join with the employees while the others go in
select count(*) as ledger_before from app.attendance_events \gset
select throws_ok(
    format($$select app.import_events_v1(array[%L, null]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[],
        array[now() - interval '2 days', now() - interval '47 hours'], 'x')$$, :'gus'),
    'PT422', 'INVALID_ARGUMENT', 'a row without an employee is refused'
);
select throws_ok(
    format($$select app.import_events_v1(array[%L, %L]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[],
        array[now() - interval '2 days', null], 'x')$$, :'gus', :'gus'),
    'PT422', 'INVALID_ARGUMENT', 'a row without an instant is refused'
);
select is((select count(*) from app.attendance_events), :ledger_before::bigint, 'and nothing of either was written');

select * from finish();
rollback;
