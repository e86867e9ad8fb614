-- Events: hr_admin creates an event at a reader with expected attendees; the
-- report derives PRESENT / LATE / ABSENT and walk-ins from the scans at that
-- reader in the window (a refused scan, a scan elsewhere or before the early
-- window is not attendance); nobody else creates events or reads the report,
-- a person sees only the events they are expected at, a kiosk reads nothing.
begin;
select plan(23);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('ana@example.com') as ana \gset
select tests.create_employee('bo@example.com') as bo \gset
select tests.create_employee('cy@example.com') as cy \gset
select tests.create_employee('di@example.com') as di \gset
select tests.create_employee('walk@example.com') as walk \gset
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
values ('Training room', 'Floor 2', 'main', repeat('a', 64), repeat('a', 12), 'test') returning id as room \gset
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
values ('Lobby', 'Lobby', 'main', repeat('b', 64), repeat('b', 12), 'test') returning id as lobby \gset
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by, revoked_at, revoked_by)
values ('Old', 'Basement', 'main', repeat('c', 64), repeat('c', 12), 'test', now(), 'test') returning id as old \gset
select now() - interval '30 minutes' as starts \gset

select tests.authenticate_as('hr_admin', :'hr');
select api.create_event(
    'Fire drill', 'drill', :'room', :'starts', :'starts'::timestamptz + interval '1 hour', 10,
    array[:'ana', :'bo', :'cy', :'di']::uuid[]
) as ev \gset
select is(
    (:'ev'::jsonb ->> 'kind', (:'ev'::jsonb ->> 'expected')::integer)::text, '(DRILL,4)',
    'hr_admin creates an event with its expected attendees'
);
select is(
    api.add_event_attendees((:'ev'::jsonb ->> 'id')::bigint, array[:'ana']::uuid[]) ->> 'added', '0',
    'adding someone already expected adds nobody'
);
select throws_ok(
    format($$select api.create_event('X', 'DRILL', %L, now(), now() + interval '1 hour')$$, gen_random_uuid()),
    'PT404', 'KIOSK_NOT_FOUND', 'an unknown reader is 404'
);
select throws_ok(
    format($$select api.create_event('X', 'DRILL', %L, now(), now() + interval '1 hour')$$, :'old'),
    'PT404', 'KIOSK_NOT_FOUND', 'a revoked reader is refused'
);
select throws_ok(
    format($$select api.create_event('X', 'DRILL', %L, now(), now() - interval '1 hour')$$, :'room'),
    'PT422', 'INVALID_ARGUMENT', 'an event ends after it starts'
);
select throws_ok(
    format($$select api.create_event('X', 'DRILL', %L, now(), now() + interval '25 hours')$$, :'room'),
    'PT422', 'INVALID_ARGUMENT', 'an event lasts at most 24 hours'
);
select throws_ok(
    format($$select api.create_event('X', 'PARTY', %L, now(), now() + interval '1 hour')$$, :'room'),
    'PT422', 'INVALID_ARGUMENT', 'the kind is one of TRAINING, DRILL, MEETING'
);
select throws_ok(
    format(
        $$select api.create_event('X', 'DRILL', %L, now(), now() + interval '1 hour', 10, array[%L]::uuid[])$$,
        :'room', gen_random_uuid()
    ),
    'PT422', 'INVALID_ARGUMENT', 'every attendee is an active employee'
);
select throws_ok(
    format($$select api.create_event('X', 'DRILL', %L, now(), now() + interval '1 hour', 241)$$, :'room'),
    'PT422', 'INVALID_ARGUMENT', 'the grace is bounded'
);
select throws_ok($$select api.event_report(-1)$$, 'PT404', 'EVENT_NOT_FOUND', 'an unknown event is 404');
select throws_ok(
    format($$insert into app.events (title, kind, device_id, starts_at, ends_at, created_by) values ('X', 'DRILL', %L, now(), now() + interval '1 hour', 'me')$$, :'room'),
    '42501', null, 'nobody writes the events table directly'
);
select tests.clear_authentication();

-- the scans: ana early (in the early window), bo after the grace, cy none,
-- di only at the lobby and refused at the room, walk not expected; ana also
-- scanned before the early window opened
insert into app.badge_scans (device_id, badge_code, employee_id, scanned_at, outcome, event_id, refusal) values
(:'room', 'B-ana', :'ana', :'starts'::timestamptz - interval '40 minutes', 'IN', 1, null),
(:'room', 'B-ana', :'ana', :'starts'::timestamptz - interval '5 minutes', 'OUT', 2, null),
(:'room', 'B-bo', :'bo', :'starts'::timestamptz + interval '20 minutes', 'IN', 3, null),
(:'lobby', 'B-di', :'di', :'starts'::timestamptz, 'IN', 4, null),
(:'room', 'B-di', :'di', :'starts'::timestamptz, 'REFUSED', null, 'BADGE_LOST'),
(:'room', 'B-walk', :'walk', :'starts'::timestamptz + interval '1 minute', 'IN', 5, null);

select tests.authenticate_as('hr_admin', :'hr');
select api.event_report((:'ev'::jsonb ->> 'id')::bigint) as report \gset
select is(
    :'report'::jsonb -> 'counts',
    '{"expected": 4, "present": 1, "late": 1, "absent": 2, "walk_ins": 1}'::jsonb,
    'the report counts present, late, absent and walk-ins from the scans'
);
select is(
    (select jsonb_object_agg(p ->> 'full_name', p ->> 'status') from jsonb_array_elements(:'report'::jsonb -> 'attendees') as p),
    '{"ana": "PRESENT", "bo": "LATE", "cy": "ABSENT", "di": "ABSENT"}'::jsonb,
    'each expected person: early scan present, after grace late, none / elsewhere / refused absent'
);
select is(
    (select (p ->> 'first_scan_at')::timestamptz from jsonb_array_elements(:'report'::jsonb -> 'attendees') as p
     where p ->> 'full_name' = 'ana'),
    :'starts'::timestamptz - interval '5 minutes',
    'a scan before the early window does not count'
);
select is(
    :'report'::jsonb #>> '{walk_ins,0,full_name}', 'walk', 'a person who scanned without being expected is a walk-in'
);
select is(:'report'::jsonb #>> '{event,state}', 'RUNNING', 'the report says the event is running');
select is(
    (select count(*)::integer from app.audit_logs where action = 'EVENT_CREATE' and entity_id = :'ev'::jsonb ->> 'id'),
    1, 'creating an event is audited'
);

-- who may do what
select tests.authenticate_as('employee', :'ana');
select is((select count(*)::integer from api.events), 1, 'an expected attendee sees the event');
select throws_ok(
    format($$select api.event_report(%s)$$, :'ev'::jsonb ->> 'id'), '42501', null, 'an employee cannot read the report'
);
select throws_ok(
    format($$select api.create_event('Mine', 'MEETING', %L, now(), now() + interval '1 hour')$$, :'room'),
    '42501', null, 'an employee cannot create events'
);
select tests.authenticate_as('employee', :'walk');
select is((select count(*)::integer from api.events), 0, 'someone not expected sees no event');
select tests.authenticate_as('approver', :'boss');
select throws_ok(
    format($$select api.event_report(%s)$$, :'ev'::jsonb ->> 'id'), '42501', null, 'an approver cannot read the report'
);
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'room'));
select throws_ok($$select * from api.events$$, '42501', null, 'a kiosk reads no events');

select * from finish();
rollback;
