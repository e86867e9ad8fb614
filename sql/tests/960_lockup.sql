-- Duty roster and end-of-day lockup: hr_admin names a duty person per site and
-- day; hr_admin or that person (and nobody else: not another employee, not the
-- duty person of another site, not a kiosk) locks the site up, which checks
-- out everyone still in there with correction events (an open break closed
-- first), audited, in one transaction; a second call checks out nobody.
begin;
select plan(29);

select tests.allow_backdating();
select app.ist_date(now()) as today \gset
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('duty@example.com') as duty \gset
select tests.create_employee('southduty@example.com') as southduty \gset
select tests.create_employee('ana@example.com', null, 'employee', 'FLEXIBLE') as ana \gset
select tests.create_employee('bo@example.com', null, 'employee', 'FLEXIBLE') as bo \gset
select tests.create_employee('cy@example.com', null, 'employee', 'FLEXIBLE') as cy \gset
select tests.create_employee('di@example.com', null, 'employee', 'FLEXIBLE') as di \gset
update app.employees set location = 'North' where id in (:'ana', :'bo', :'di', :'duty');
update app.employees set location = 'South' where id = :'cy';

-- ana on shift, bo on a break, di clocked in and out, cy on shift at the other site
select tests.authenticate_as('employee', :'ana');
select api.clock_in(tests.plan(), now() - interval '2 hours') is not null as ok \gset
select tests.authenticate_as('employee', :'bo');
select api.clock_in(tests.plan(), now() - interval '2 hours') is not null as ok \gset
select api.break_start(now() - interval '5 minutes') is not null as ok \gset
select tests.authenticate_as('employee', :'di');
select api.clock_in(tests.plan(), now() - interval '2 hours') is not null as ok \gset
select api.clock_out(now() - interval '1 hour') is not null as ok \gset
select tests.authenticate_as('employee', :'cy');
select api.clock_in(tests.plan(), now() - interval '2 hours') is not null as ok \gset
select tests.clear_authentication();
-- ana lives in North but badged in at the south reader: a scan's reader decides her site
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
values ('South desk', 'South lobby', 'south', repeat('b', 64), repeat('b', 12), 'test') returning id as south_kiosk \gset
select tests.create_employee('eli@example.com', null, 'employee', 'FLEXIBLE') as eli \gset
update app.employees set location = 'North' where id = :'eli';
select tests.authenticate_as('employee', :'eli');
select api.clock_in(tests.plan(), now() - interval '2 hours') -> 'event' ->> 'id' as eli_in \gset
select tests.clear_authentication();
insert into app.badge_scans (device_id, badge_code, employee_id, scanned_at, outcome, event_id)
values (:'south_kiosk', 'B-eli', :'eli', now() - interval '2 hours', 'IN', :eli_in);

-- the roster
select tests.authenticate_as('hr_admin', :'hr');
select is(
    api.set_duty('north', :'today', :'duty') ->> 'duty_employee_id', :'duty',
    'hr_admin names the duty person of a site for today'
);
select api.set_duty('south', :'today', :'southduty') is not null as ok \gset
select throws_ok(
    format($$select api.set_duty('north', %L, %L)$$, :'today', gen_random_uuid()),
    'PT404', 'EMPLOYEE_NOT_FOUND', 'an unknown duty person is 404'
);
select is(
    api.set_duty('NORTH', :'today', :'duty') ->> 'site', 'north',
    'the same site in another case is the same roster row (its first spelling kept)'
);
select is(
    (select count(*)::integer from app.duty_roster where lower(site) = 'north' and duty_date = :'today'),
    1, 'one duty row per site and date whatever the case'
);
select tests.clear_authentication();
select throws_ok(
    format($$insert into app.duty_roster values ('North', %L, %L, 'owner')$$, :'today', :'duty'),
    '23505', null, 'the table refuses a second row for a site differing only in case (even for the owner)'
);
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    format($$select api.set_duty('north', date '1999-01-01', %L)$$, :'duty'),
    'PT422', 'INVALID_ARGUMENT', 'the duty date is bounded'
);
select throws_ok(
    format($$insert into app.duty_roster values ('north', current_date + 1, %L, 'me')$$, :'hr'),
    '42501', null, 'nobody writes the roster table directly'
);
select tests.authenticate_as('employee', :'ana');
select throws_ok(
    format($$select api.set_duty('north', %L, %L)$$, :'today', :'ana'),
    '42501', null, 'an employee cannot put themselves on duty'
);
select is((select count(*)::integer from api.duty_roster), 2, 'everyone reads the roster');
select throws_ok($$select * from api.lockups$$, '42501', null, 'an employee cannot read the lockups');

-- the attacks on lockup
select throws_ok(
    $$select api.lockup('North', 'going home')$$, 'PT403', 'NOT_ON_DUTY',
    'an employee who is not on duty cannot lock the site up'
);
select tests.authenticate_as('employee', :'southduty');
select throws_ok(
    $$select api.lockup('north', 'going home')$$, 'PT403', 'NOT_ON_DUTY',
    'the duty person of another site cannot lock this one up'
);
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "desk-1"}');
select throws_ok($$select api.lockup('north', 'going home')$$, '42501', null, 'a kiosk cannot lock up');

-- the duty person: dry run, then the lockup
select tests.authenticate_as('employee', :'duty');
select is(
    (select array_agg(c ->> 'employee_id' order by c ->> 'employee_id')
     from jsonb_array_elements(api.lockup('North', null, true) -> 'checked_in') as c),
    (select array_agg(x::text order by x::text) from unnest(array[:'ana'::uuid, :'bo'::uuid]) as x),
    'a dry run lists who is still in at the site (not the one who left, not those at the other site); a site is named in any case, as presence matches it'
);
select throws_ok($$select api.lockup('north', '')$$, 'PT422', 'INVALID_ARGUMENT', 'a lockup needs a reason');
select api.lockup('north', 'end of day lockup') as first \gset
select is(jsonb_array_length(:'first'::jsonb -> 'checked_out'), 2, 'the duty person checks out both people still in');
select tests.clear_authentication();

-- their shifts' day: the clock-ins' (two hours ago), yesterday's shortly after IST midnight
select app.ist_date(now() - interval '2 hours') as shift_day \gset
select is((tests.day(:'ana', :'shift_day')).current_status, 'OFF_DUTY', 'ana is checked out');
select is((tests.day(:'bo', :'shift_day')).current_status, 'OFF_DUTY', 'bo is checked out');
select is(
    (tests.day(:'bo', :'shift_day')).anomalies, '{}'::text[],
    'bo''s open break was closed before the checkout (no UNCLOSED_BREAK)'
);
select is(
    (select array_agg((tests.day(x, :'shift_day')).current_status::text) from unnest(array[:'cy'::uuid, :'eli'::uuid]) as x),
    array['ON_SHIFT', 'ON_SHIFT'], 'the other site is untouched (by location, or by the reader last badged at)'
);
select is(
    (select array_agg(event_type::text || '/' || source || '/' || (payload ->> 'reason') order by id)
     from app.attendance_events where employee_id = :'bo' and source = 'admin'),
    array['BREAK_END/admin/end of day lockup', 'CLOCK_OUT/admin/end of day lockup'],
    'the checkout is correction events with the reason'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'LOCKUP_CHECKOUT' and reason = 'end of day lockup'),
    2, 'one audit row per person checked out'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'LOCKUP' and entity_id = :'first'::jsonb ->> 'id'),
    1, 'and one for the lockup'
);
select is(
    (select array_agg(ev.event_type::text || '/' || coalesce(a.action, 'UNAUDITED') order by ev.id)
     from app.attendance_events as ev
     left join app.audit_logs as a on a.entity = 'attendance_events' and a.entity_id = ev.id::text
     where ev.employee_id = :'bo' and ev.source = 'admin'),
    array['BREAK_END/LOCKUP_CLOSE_BREAK', 'CLOCK_OUT/LOCKUP_CHECKOUT'],
    'every event the lockup writes is an admin event with its audit row (app.record_admin_event, like add_event)'
);

-- idempotent: the second call checks out nobody and answers with the first lockup
select count(*) as events_before from app.attendance_events \gset
select tests.authenticate_as('hr_admin', :'hr');
select api.lockup('north', 'end of day lockup again') as second \gset
select is(
    row(:'second'::jsonb ->> 'id', :'second'::jsonb ->> 'repeated', jsonb_array_length(:'second'::jsonb -> 'checked_out'))::text,
    row(:'first'::jsonb ->> 'id', 'true', 0)::text,
    'a second lockup answers with the first and checks out nobody'
);
select tests.clear_authentication();
select is((select count(*) from app.attendance_events), :'events_before'::bigint, 'and writes no event');
select is(
    (select count(*)::integer from app.daily_status_differences(app.ist_date(now()) - 1, app.ist_date(now()))),
    0, 'stored days equal their recomputation after the lockup'
);
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok($$update app.lockups set reason = 'rewritten'$$, '42501', null, 'nobody rewrites a lockup');
select is((select count(*)::integer from api.lockups), 1, 'hr_admin reads the lockups');

select * from finish();
rollback;
