-- Event readers and scans the punch refused (issue 15 follow-ups, desk3).
-- A reader's purpose: 'attendance' (a scan punches) or 'event' (a scan is
-- recorded as EVENT after the badge's security checks, never a punch; the
-- event report counts it). A punch the rules refuse (409) is kept as a REFUSED
-- scan with its code and still answers 409. Attacks: an employee, an approver
-- or a kiosk changing a reader's purpose, a bad purpose, the owner writing an
-- unknown purpose or outcome, a lost or unknown badge at an event reader, the
-- refused punch's ledger row surviving, a double-fire of a refused scan
-- answering differently.
begin;
select plan(33);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.create_employee('lee@example.com') as lee \gset
select tests.set_setting('badge_double_scan_seconds', '0');

-- registration and the purpose
select tests.authenticate_as('hr_admin', :'hr');
select api.register_kiosk_device('Lobby', 'Lobby') as lobby_json \gset
select api.register_kiosk_device('Training room', 'Floor 2', 'main', null, 'event') as room_json \gset
select (:'lobby_json'::jsonb ->> 'id') as lobby, (:'room_json'::jsonb ->> 'id') as room \gset
select is(:'lobby_json'::jsonb ->> 'purpose', 'attendance', 'a reader is an attendance reader by default');
select is(:'room_json'::jsonb ->> 'purpose', 'event', 'hr_admin registers an event reader');
select throws_ok(
    $$select api.register_kiosk_device('X', 'Y', 'main', null, 'party')$$, 'PT422', 'INVALID_ARGUMENT',
    'an unknown purpose is a 422'
);
select throws_ok(
    format($$select api.set_kiosk_device_purpose(%L, 'event', '')$$, :'lobby'), 'PT422', 'INVALID_ARGUMENT',
    'changing the purpose needs a reason'
);
select throws_ok(
    format($$select api.set_kiosk_device_purpose(%L, 'event', 'moved')$$, gen_random_uuid()), 'PT404',
    'KIOSK_NOT_FOUND', 'an unknown reader is 404'
);
select tests.clear_authentication();

select tests.authenticate_as('employee', :'kim');
select throws_ok(
    format($$select api.set_kiosk_device_purpose(%L, 'event', 'mine')$$, :'lobby'), '42501', null,
    'an employee cannot change a reader''s purpose'
);
select tests.clear_authentication();
select tests.authenticate_as('approver', :'boss');
select throws_ok(
    format($$select api.set_kiosk_device_purpose(%L, 'event', 'mine')$$, :'lobby'), '42501', null,
    'nor can an approver'
);
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select throws_ok(
    format($$select api.set_kiosk_device_purpose(%L, 'event', 'mine')$$, :'lobby'), '42501', null,
    'nor the kiosk itself'
);
select throws_ok(
    format($$update app.kiosk_devices set purpose = 'event' where id = %L$$, :'lobby'), '42501', null,
    'and a kiosk cannot write its device row'
);
select tests.clear_authentication();

-- the database refuses an unknown purpose or outcome, owner included
select throws_ok(
    format($$update app.kiosk_devices set purpose = 'party' where id = %L$$, :'lobby'), '23514', null,
    'purpose is attendance or event (a check constraint)'
);
select throws_ok(
    format($$insert into app.badge_scans (device_id, badge_code, outcome) values (%L, 'B-kim', 'PARTY')$$, :'room'),
    '23514', null, 'a scan''s outcome is one of the known ones'
);

-- an event reader records, never punches
select now() - interval '5 minutes' as starts \gset
select tests.authenticate_as('hr_admin', :'hr');
select (api.create_event(
    'Safety training', 'TRAINING', :'room', :'starts', :'starts'::timestamptz + interval '1 hour', 10,
    array[:'kim', :'lee']::uuid[]
) ->> 'id')::bigint as ev \gset
select tests.clear_authentication();

select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'room'));
select api.badge_scan('B-kim') as room_scan \gset
select is(:'room_scan'::jsonb ->> 'outcome', 'EVENT', 'a scan at the event reader is an EVENT');
select is(:'room_scan'::jsonb -> 'event' ->> 'title', 'Safety training', 'and names the event running there');
select is(api.badge_scan('B-lost') ->> 'message', 'UNKNOWN_BADGE', 'an unknown badge is refused there too');
select tests.clear_authentication();
select tests.authenticate_as('hr_admin', :'hr');
select api.report_badge_lost('B-lee', 'dropped') is not null as lost;
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'room'));
select is(api.badge_scan('B-lee') ->> 'message', 'LOST_BADGE', 'a lost badge is refused at an event reader');
select tests.clear_authentication();

select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'kim'), 0,
    'the event scan made no ledger punch'
);
select is(
    (select count(*)::integer from app.daily_status where employee_id = :'kim'), 0, 'and no day row'
);
select is(
    (select array_agg(kind order by id) from app.security_alerts),
    array['UNKNOWN_BADGE', 'LOST_BADGE'], 'the security checks still raise their alerts'
);
select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select r ->> 'status' from jsonb_array_elements(api.event_report(:ev) -> 'attendees') as r
     where r ->> 'employee_id' = :'kim'),
    'PRESENT', 'the event report counts the EVENT scan'
);
select is(
    (api.event_report(:ev) -> 'counts' ->> 'absent')::integer, 1, 'lee (refused, lost badge) is absent'
);
select is(api.presence() -> 'counts' ->> 'on_site', '0', 'nobody is on site: no punch was made');

-- hr_admin turns the lobby into an event reader and back (audited, from the next scan)
select is(
    api.set_kiosk_device_purpose(:'lobby', 'EVENT', 'training week') ->> 'purpose', 'event',
    'hr_admin makes the lobby an event reader'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'SET_KIOSK_DEVICE_PURPOSE'), 1,
    'the change is audited'
);
select is(
    api.set_kiosk_device_purpose(:'lobby', 'event', 'again') ->> 'purpose', 'event', 'setting it again ...'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'SET_KIOSK_DEVICE_PURPOSE'), 1,
    '... changes nothing and writes no second audit row'
);
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(api.badge_scan('B-kim') ->> 'outcome', 'EVENT', 'the lobby now records without punching');
select tests.clear_authentication();
select tests.authenticate_as('hr_admin', :'hr');
select api.set_kiosk_device_purpose(:'lobby', 'attendance', 'training week over') is not null as back;
select tests.clear_authentication();

-- a scan the punch refuses is kept and answered 409
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(api.badge_scan('B-kim') ->> 'outcome', 'IN', 'kim badges in at the attendance reader');
select is(api.badge_scan('B-kim') ->> 'outcome', 'OUT', 'and out');
select api.badge_scan('B-kim') as refused \gset
select is(
    (:'refused'::jsonb ->> 'message', current_setting('response.status'))::text, '(ALREADY_CLOCKED_IN,409)',
    'a second clock-in of the day is refused: 409 ALREADY_CLOCKED_IN, as an answer'
);
select tests.clear_authentication();
select is(
    (select (outcome, refusal)::text from app.badge_scans where id = (:'refused'::jsonb ->> 'scan_id')::bigint),
    '(REFUSED,ALREADY_CLOCKED_IN)', 'the refused scan is kept with the punch''s code'
);
select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'kim'), 2,
    'the refused punch left no ledger row'
);
select is(
    (select count(*)::integer from app.security_alerts), 2, 'a punch rule''s refusal raises no security alert'
);
select tests.set_setting('badge_double_scan_seconds', '10');
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select api.badge_scan('B-kim') as again \gset
select is(
    (:'again'::jsonb ->> 'message', current_setting('response.status'), :'again'::jsonb ->> 'duplicate_of')::text,
    format('(ALREADY_CLOCKED_IN,409,%s)', :'refused'::jsonb ->> 'scan_id'),
    'the reader firing twice gets the same 409, as a duplicate of the refused scan'
);
select tests.clear_authentication();

select * from finish();
rollback;
