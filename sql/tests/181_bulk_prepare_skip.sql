-- The bulk path skips the ledger's row trigger _100_prepare (its WHEN) only for
-- rows the trigger would leave as they are: app.insert_events_bulk's, which
-- carry every server-owned value already. Any other row, also one with source
-- import while the bulk path's setting is on, still gets the server's values.
begin;
select plan(6);

select tests.create_employee('bea@example.com') as bea \gset

-- the bulk path: payloads kept, dates and server-owned columns as the trigger sets them
select is(
    (select count(*)::integer from app.insert_events_bulk(
        array[:'bea', :'bea']::uuid[], array['CLOCK_IN', 'LUNCH_START']::app.event_type[],
        array[tests.ist('2026-11-20 09:00'), tests.ist('2026-11-20 13:00')],
        array['{"import_row": 1}', '{"import_row": 2}']::jsonb[], 'test bulk'
    )),
    2,
    'insert_events_bulk returns one row per event'
);
select results_eq(
    $$select event_type::text, sync_status::text, attempt_count, business_date_ist, payload ->> 'import_row', recorded_at = now()
      from app.attendance_events where created_by = 'test bulk' order by occurred_at$$,
    $$values ('CLOCK_IN', 'PENDING', 0, date '2026-11-20', '1', true), ('LUNCH_START', 'SKIPPED', 0, date '2026-11-20', '2', true)$$,
    'bulk rows carry the server-owned values and their business date'
);
select is(
    current_setting('hithonix.import_business_dates', true), 'off',
    'the bulk path turns its setting off again'
);

-- the setting on, source import, but values the server owns sent wrong: the trigger runs
select set_config('hithonix.import_business_dates', 'on', true);
insert into app.attendance_events (
    employee_id, event_type, occurred_at, business_date_ist, source, created_by, sync_status, attempt_count,
    synced_at, keka_ref, recorded_at
) values (
    :'bea', 'CLOCK_OUT', tests.ist('2026-11-20 19:30'), '2026-11-20', 'import', 'test forged', 'SUCCESS', 7,
    now(), 'forged', now() - interval '1 day'
);
select results_eq(
    $$select sync_status::text, attempt_count, synced_at is null, keka_ref is null, recorded_at = now()
      from app.attendance_events where created_by = 'test forged'$$,
    $$values ('PENDING', 0, true, true, true)$$,
    'a row that does not carry the server values is prepared by the trigger, setting or not'
);
select is(
    (select count(*)::integer from pgmq.q_keka_sync as m
     where (m.message ->> 'event_id')::bigint in (select id from app.attendance_events where created_by = 'test forged')),
    1,
    'and it is on the outbox like any PENDING punch'
);
select set_config('hithonix.import_business_dates', 'off', true);

-- stored == recomputed after both kinds of rows
select is_empty(
    $$select * from app.daily_status_differences('2026-11-19', '2026-11-21')$$,
    'daily_status equals a recomputation'
);

select * from finish();
rollback;
