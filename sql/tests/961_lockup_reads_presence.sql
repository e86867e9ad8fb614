-- The lockup checks out exactly who the presence board shows in: one row per
-- person (their latest open day of today or yesterday). Attacks: a person
-- with yesterday's shift still open and today's day closed (the board shows
-- them out) must not get a second CLOCK_OUT; a person with yesterday's and
-- today's days both open (the board shows them once) is clocked out once.
-- (Times are set around today's IST midnight: the scenario cannot be built in
-- the first two seconds or the last minute of an IST day.)
begin;
select plan(6);

select tests.allow_backdating();
select tests.set_setting('max_shift_hours', '24');
-- midnight of today's business date (IST) as an instant
select (app.ist_date(now())::timestamp at time zone 'Asia/Kolkata') as midnight \gset
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('out@example.com', null, 'employee', 'FLEXIBLE') as gone \gset
select tests.create_employee('in@example.com', null, 'employee', 'FLEXIBLE') as still \gset
update app.employees set location = 'North' where id in (:'gone', :'still');

-- both clocked in a minute before midnight and never out (yesterday's day stays open);
-- after midnight hr_admin added a clock-in for both (today's day: the live punch
-- refuses it, a correction does not), and a clock-out for one of them
select tests.authenticate_as('employee', :'gone');
select api.clock_in(tests.plan(), :'midnight'::timestamptz - interval '1 minute') is not null as ok \gset
select tests.authenticate_as('employee', :'still');
select api.clock_in(tests.plan(), :'midnight'::timestamptz - interval '1 minute') is not null as ok \gset
select tests.authenticate_as('hr_admin', :'hr');
select api.add_event(:'gone', 'CLOCK_IN', :'midnight'::timestamptz + interval '1 second', 'forgot') is not null as ok \gset
select api.add_event(:'gone', 'CLOCK_OUT', :'midnight'::timestamptz + interval '2 seconds', 'forgot') is not null as ok \gset
select api.add_event(:'still', 'CLOCK_IN', :'midnight'::timestamptz + interval '1 second', 'forgot') is not null as ok \gset
select tests.clear_authentication();
select is(
    (select array_agg(ds.employee_id::text || '/' || ds.current_status::text order by ds.employee_id, ds.business_date_ist)
     from app.daily_status as ds where ds.employee_id in (:'gone', :'still')),
    (select array_agg(x.e::text || '/' || x.s order by x.e, x.n) from (values
        (:'gone'::uuid, 1, 'ON_SHIFT'), (:'gone'::uuid, 2, 'OFF_DUTY'),
        (:'still'::uuid, 1, 'ON_SHIFT'), (:'still'::uuid, 2, 'ON_SHIFT')
    ) as x (e, n, s)),
    'the setup: yesterday open for both; today closed for one, open for the other'
);

select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select array_agg(r ->> 'employee_id') from jsonb_array_elements(api.presence() -> 'rows') as r),
    array[:'still'], 'the board shows one of them in, once'
);
select is(
    (select array_agg(c ->> 'employee_id') from jsonb_array_elements(api.lockup('north', null, true) -> 'checked_in') as c),
    array[:'still'], 'the dry run lists the same person, once'
);
select api.lockup('north', 'end of day lockup') as lockup \gset
select is(
    (select array_agg(c ->> 'employee_id') from jsonb_array_elements(:'lockup'::jsonb -> 'checked_out') as c),
    array[:'still'], 'the lockup checks out the same person, once'
);
select tests.clear_authentication();
select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'gone' and source = 'admin'),
    2, 'the one the board shows as out gets no second CLOCK_OUT'
);
select is(
    (select count(*)::integer from app.attendance_events
     where employee_id = :'still' and source = 'admin' and payload ? 'lockup_site'),
    1, 'the one shown in is clocked out exactly once'
);

select * from finish();
rollback;
