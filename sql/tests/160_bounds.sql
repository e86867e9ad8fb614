-- Hardening (issue 10): every text column is bounded, and a value out of bounds
-- is a 422 naming the field (or, for the owner's own writes, the named
-- constraint); timestamps stay in a sane window for admins too; policy values
-- are validated when written; an event has at most one live outbox message;
-- the recorded actor is the token's employee; the kiosk learns name and state.
begin;
select plan(33);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.allow_backdating();

-- structure: no unbounded text column in app
select is(
    (select coalesce(array_agg(format('%s.%s', c.relname, a.attname) order by 1), '{}')
     from pg_class as c
     join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.relnamespace = 'app'::regnamespace and c.relkind = 'r'
        and a.atttypid in ('text'::regtype, 'citext'::regtype, 'varchar'::regtype)
        and not exists (
            select 1 from pg_constraint as con
            where con.conrelid = c.oid and con.contype = 'c' and a.attnum = any(con.conkey)
                and pg_get_constraintdef(con.oid) ~ '(length\(|= ANY \(ARRAY)'
        )),
    '{}'::text[], 'every text column of every app table has a length (or value-list) bound'
);

-- the owner's writes hit the named bound
select throws_ok(
    format($$update app.employees set badge_id = repeat('x', 65) where id = %L$$, :'kim'),
    '23514', null, 'a 65-character badge_id breaks employees_badge_id_length'
);
select throws_like(
    format($$update app.employees set email = repeat('x', 300) || '@example.com' where id = %L$$, :'kim'),
    '%employees_email_length%', 'the error names the bound (and so the field)'
);
select throws_like(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
             values (%L, 'CLOCK_IN', '-infinity', 'import', 'test')$$, :'kim'),
    '%attendance_events_occurred_at_window%', 'an imported event at -infinity is refused'
);
select throws_like(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
             values (%L, 'CLOCK_IN', '9999-01-01', 'import', 'test')$$, :'kim'),
    '%attendance_events_occurred_at_window%', 'an imported event in year 9999 is refused'
);

-- the API's writes: 422 INVALID_ARGUMENT naming the field
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    $$select api.upsert_employee('new@example.com', 'New', badge_id => repeat('b', 65))$$,
    'PT422', 'INVALID_ARGUMENT', 'upsert_employee: a too-long badge_id is a 422'
);
select throws_ok(
    $$select api.upsert_employee('new@example.com', 'New', slack_user_id => repeat('U', 5000))$$,
    'PT422', 'INVALID_ARGUMENT', 'upsert_employee: a too-long slack_user_id is a 422'
);
select throws_ok(
    $$select api.upsert_employee(repeat('e', 100000) || '@example.com', 'New')$$,
    'PT422', 'INVALID_ARGUMENT', 'upsert_employee: a too-long email is a 422'
);
select throws_ok(
    $$select api.upsert_employee('new@example.com', 'New', attendance_number => repeat('7', 3000))$$,
    'PT422', 'INVALID_ARGUMENT', 'upsert_employee: a too-long attendance_number is a 422'
);
select throws_ok(
    $$select api.upsert_employee('new@example.com', 'New', date_of_joining => '1900-01-01')$$,
    'PT422', 'INVALID_ARGUMENT', 'upsert_employee: a joining date in 1900 is a 422'
);
select is((select count(*)::integer from app.employees where email = 'new@example.com'), 0, 'nothing was written');

-- admin events: a window around now (admin_backdate_days back, clock skew ahead)
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_IN', '-infinity', 'forgotten punch')$$, :'kim'),
    'PT422', 'BACKDATE_LIMIT_EXCEEDED', 'add_event at -infinity is refused'
);
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_IN', '1900-01-01', 'forgotten punch')$$, :'kim'),
    'PT422', 'BACKDATE_LIMIT_EXCEEDED', 'add_event in 1900 is refused'
);
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_IN', '9999-01-01', 'forgotten punch')$$, :'kim'),
    'PT422', 'OCCURRED_AT_IN_FUTURE', 'add_event in year 9999 is refused'
);
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_IN', now() - interval '2 days', repeat('r', 1001))$$, :'kim'),
    'PT422', 'INVALID_ARGUMENT', 'a reason over 1000 characters is refused'
);
select is((select count(*)::integer from app.attendance_events), 0, 'no event was written');

-- policy overrides are validated when written, like settings
select throws_ok(
    format($$select api.upsert_employee('kim@example.com', 'kim', shift_config => %L)$$,
        '{"shift_type": "GENERAL", "break_allowance_minutes": "lots"}'),
    'PT422', 'INVALID_ARGUMENT', 'a non-number allowance is refused'
);
select throws_ok(
    format($$select api.upsert_employee('kim@example.com', 'kim', shift_config => %L)$$,
        '{"shift_type": "GENERAL", "general_shift": {"start": "10:00", "end": "25:99"}}'),
    'PT422', 'INVALID_ARGUMENT', 'a 25:99 shift end is refused'
);
select throws_ok(
    format($$select api.upsert_employee('kim@example.com', 'kim', shift_config => %L)$$,
        '{"shift_type": "GENERAL", "employee_backdate_minutes": -5}'),
    'PT422', 'INVALID_ARGUMENT', 'a negative back-date limit is refused'
);
select throws_ok(
    format($$select api.upsert_employee('kim@example.com', 'kim', shift_config => %L)$$,
        '{"shift_type": "GENERAL", "clock_skew_seconds": 99999999999}'),
    'PT422', 'INVALID_ARGUMENT', 'a huge skew is refused'
);
select throws_ok(
    format($$select api.upsert_employee('kim@example.com', 'kim', shift_config => %L)$$,
        '{"shift_type": "GENERAL", "break_alowance_minutes": 30}'),
    'PT422', 'INVALID_ARGUMENT', 'an override of a setting that does not exist (a typo) is refused'
);
select tests.clear_authentication();
select throws_ok(
    $$update app.settings set value = '"sometimes"' where key = 'one_clock_in_per_day'$$,
    'PT422', 'INVALID_ARGUMENT', 'settings are held to the same rules'
);
select lives_ok(
    $$update app.settings set value = '45' where key = 'break_allowance_minutes'$$,
    'a valid setting is accepted'
);

-- the recorded actor is the token's employee, whatever the token's sub says
update app.employees set slack_user_id = 'UKIM' where id = :'kim';
select tests.authenticate_as('employee', :'kim', '{"sub": "U-SOMEONE-ELSE"}');
select api.clock_in(tests.plan(), now() - interval '3 hours');
select tests.clear_authentication();
select is((select created_by from app.attendance_events where employee_id = :'kim'), 'UKIM',
    'created_by is the employee''s Slack id, not the token''s sub');
-- the same actor when the token spells the id in upper case (app.record_punch
-- then asks app.current_actor()), and an e-mail without a Slack id
select tests.create_employee('lou@example.com') as lou \gset
select tests.authenticate_as('employee', null, jsonb_build_object('employee_id', upper(:'lou')));
select is(api.clock_in(tests.plan(), now() - interval '3 hours') -> 'event' ->> 'created_by', 'lou@example.com',
    'an upper-case employee_id claim: the employee''s e-mail');
select tests.clear_authentication();
update app.employees set slack_user_id = 'ULOU' where id = :'lou';
select tests.authenticate_as('employee', :'lou');
select is(api.clock_out(now() - interval '2 hours') -> 'event' ->> 'created_by', 'ULOU',
    'the id as the token usually spells it: the Slack id');
select tests.clear_authentication();

-- the kiosk: enum errors are 422 naming the argument
insert into app.kiosk_devices (name, location, key_hash, key_prefix, created_by, purpose)
values ('lobby-1', 'Lobby', repeat('c', 64), repeat('c', 12), 'test', 'attendance') returning id as lobby \gset
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select throws_ok($$select api.kiosk_punch('B-kim', 'VOID')$$, 'PT422', 'INVALID_ARGUMENT', 'VOID through the kiosk is a 422');
select throws_ok($$select api.kiosk_punch('B-kim', null)$$, 'PT422', 'INVALID_ARGUMENT', 'a null event type is a 422');
select throws_ok($$select api.kiosk_punch('B-kim', 'clock_in; drop')$$, 'PT422', 'INVALID_ARGUMENT', 'an unknown event type is a 422');
select tests.clear_authentication();

-- one live outbox message per event
select (select id from app.attendance_events where employee_id = :'kim') as ev \gset
select throws_ok(
    format($$select pgmq.send('keka_sync', jsonb_build_object('event_id', %s))$$, :ev),
    '23505', null, 'a second live message for an event is refused by the database'
);
select msg_id as hidden from pgmq.read('keka_sync', 600, 1) \gset
update app.attendance_events set sync_status = 'FAILED', attempt_count = 1 where id = :ev;
select tests.authenticate_as('hr_admin', :'hr');
select lives_ok(format($$select api.retry_sync(array[%s]::bigint[])$$, :ev), 'retry_sync of a FAILED event whose message is hidden');
select tests.clear_authentication();
select is(
    (select array_agg(msg_id) from pgmq.q_keka_sync where (message ->> 'event_id')::bigint = :ev),
    array[:hidden::bigint], 'the event still has exactly its one message'
);
select ok(
    (select vt <= clock_timestamp() from pgmq.q_keka_sync where msg_id = :hidden),
    'and that message is visible again (the retry happens now)'
);

select * from finish();
rollback;
