-- business_date_ist is computed by the database: a night shift stays on its
-- start date, an event outside any open shift takes its IST calendar date, a
-- shift open longer than max_shift_hours owns nothing new, and whatever the
-- caller sends for the column is ignored.
begin;
select plan(9);

select tests.allow_backdating();
select tests.create_employee('nina@example.com', null, 'employee', 'NIGHT') as nina \gset
select tests.create_employee('omar@example.com') as omar \gset
select tests.create_employee('pia@example.com') as pia \gset

select tests.authenticate_as('employee', :'nina');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 22:00'));
select api.break_start(tests.ist('2026-11-21 00:30'));
select api.break_end(tests.ist('2026-11-21 00:45'));
select is(
    (api.clock_out(tests.ist('2026-11-21 06:00')) -> 'event' ->> 'business_date_ist')::date,
    '2026-11-20'::date,
    'a night shift''s CLOCK_OUT after midnight lands on the start date'
);
select tests.clear_authentication();
select is(
    (select array_agg(distinct business_date_ist) from app.attendance_events where employee_id = :'nina'),
    array['2026-11-20'::date],
    'every event of the night shift is on the start date'
);
select is((tests.day(:'nina', '2026-11-20')).current_status, 'OFF_DUTY', 'the night shift day ends OFF_DUTY');
select is((tests.day(:'nina', '2026-11-20')).worked_minutes, 465, 'worked minutes span midnight (8h minus a 15 min break)');
select ok(tests.day(:'nina', '2026-11-21') is null, 'no day row on the calendar date after');

-- an event at 00:10 IST with no open shift lands on the new date
select tests.authenticate_as('hr_admin', null, '{"role": "hr_admin"}');
select tests.clear_authentication();
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'omar', 'CLOCK_OUT', tests.ist('2026-11-21 00:10'), 'import', 'test');
select is(
    (select business_date_ist from app.attendance_events where employee_id = :'omar'),
    '2026-11-21'::date,
    'an event at 00:10 IST with no open shift takes the new calendar date'
);

-- max_shift_hours: a shift open 21 h owns nothing new
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'pia', 'CLOCK_IN', tests.ist('2026-11-20 09:00'), 'import', 'test');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, business_date_ist)
values (:'pia', 'BREAK_START', tests.ist('2026-11-21 04:00'), 'import', 'test', '2000-01-01');
select is(
    (select business_date_ist from app.attendance_events where employee_id = :'pia' and event_type = 'BREAK_START'),
    '2026-11-20'::date,
    'inside max_shift_hours the open shift owns the event, and the caller''s date is ignored'
);
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'pia', 'BREAK_END', tests.ist('2026-11-21 06:00'), 'import', 'test');
select is(
    (select business_date_ist from app.attendance_events where employee_id = :'pia' and event_type = 'BREAK_END'),
    '2026-11-21'::date,
    'after max_shift_hours (20) the abandoned shift owns nothing new'
);
select tests.authenticate_as('employee', :'pia');
select is(
    (api.clock_in(tests.plan(), tests.ist('2026-11-21 09:30')) -> 'daily_status' ->> 'current_status'),
    'ON_SHIFT',
    'a new CLOCK_IN is allowed once the old shift is abandoned'
);

select * from finish();
rollback;
