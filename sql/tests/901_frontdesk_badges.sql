-- Badges and scans (issue 15), each rule with its attack: a second holder of
-- a held badge, a second badge for one employee (the exclusion constraints,
-- even for the owner), rewriting a holding, the scan log or an alert, the same
-- badge at two devices at once, lost/revoked/unknown badges, an employee or
-- kiosk acknowledging alerts.
begin;
select plan(27);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.create_employee('lee@example.com') as lee \gset
select tests.set_setting('badge_double_scan_seconds', '0');

select is(
    (select b.code from app.badge_assignments as a join app.badges as b on b.id = a.badge_id
     where a.employee_id = :'kim' and a.during @> now()),
    'B-kim', 'employees.badge_id written directly becomes a holding'
);

-- the exclusion constraints hold for everyone, owner included
select throws_ok(
    format($$insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
        select %L, id, tstzrange(now() - interval '1 hour', null), 'test' from app.badges where code = 'B-kim'$$, :'lee'),
    '23P01', null, 'a badge cannot have two holders at the same instant'
);
select throws_ok(
    format($$insert into app.badges (code, created_by) values ('B-spare', 'test');
        insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
        select %L, id, tstzrange(now() + interval '1 day', null), 'test' from app.badges where code = 'B-spare'$$, :'kim'),
    '23P01', null, 'an employee cannot hold two badges at the same instant'
);

select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    format($$select api.assign_badge('B-kim', %L)$$, :'lee'), 'PT409', 'BADGE_ALREADY_HELD',
    'assigning a held badge is a 409'
);
select lives_ok(format($$select api.assign_badge('B-new', %L)$$, :'kim'), 'a new badge replaces kim''s old one');
select tests.clear_authentication();
select is(
    (select array_agg(end_reason order by id) from app.badge_assignments where employee_id = :'kim'),
    array['REASSIGNED', null], 'the old holding ended as REASSIGNED'
);
select is((select badge_id from app.employees where id = :'kim'), 'B-new', 'employees.badge_id follows');
select tests.authenticate_as('hr_admin', :'hr');
select lives_ok(format($$select api.assign_badge('B-kim', %L)$$, :'lee'), 'the freed badge goes to lee');
select throws_ok(
    $$select api.assign_badge('bad code!', gen_random_uuid())$$, 'PT422', 'INVALID_ARGUMENT',
    'a malformed badge code is a 422'
);
select throws_ok($$select api.report_badge_lost('B-none', 'gone')$$, 'PT404', 'BADGE_NOT_FOUND', 'unknown badge: 404');
select throws_ok($$select api.report_badge_lost('B-kim', '')$$, 'PT422', 'INVALID_ARGUMENT', 'a reason is required');
select api.report_badge_lost('B-kim', 'left on the train') is not null;
select throws_ok(
    format($$select api.assign_badge('B-kim', %L)$$, :'lee'), 'PT409', 'BADGE_NOT_ACTIVE',
    'a lost badge is never held again'
);
select is(
    jsonb_array_length(api.badge_history('B-kim') -> 'assignments'), 2, 'the history lists both holders'
);
select tests.clear_authentication();

-- holdings, scans and alerts are never rewritten
select throws_ok(
    format($$update app.badge_assignments set employee_id = %L where employee_id = %L$$, :'lee', :'kim'),
    'PT403', 'APPEND_ONLY', 'a holding cannot change hands (owner included)'
);
select throws_ok($$delete from app.badge_assignments$$, 'PT403', 'APPEND_ONLY', 'nor be deleted');

-- scans: two readers
select tests.authenticate_as('hr_admin', :'hr');
select (api.register_kiosk_device('Lobby', 'Lobby') ->> 'id') as lobby \gset
select (api.register_kiosk_device('Back door', 'Back door') ->> 'id') as back \gset
select tests.clear_authentication();

select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(api.badge_scan('B-new') ->> 'outcome', 'IN', 'kim badges in at the lobby');
select tests.clear_authentication();
select tests.set_setting('badge_double_scan_seconds', '10');
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'back'));
select is(
    api.badge_scan('B-new') ->> 'message', 'BADGE_ON_TWO_DEVICES',
    'the same badge at another reader at the same instant is refused'
);
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(api.badge_scan('B-new') ->> 'outcome', 'IGNORED_DUPLICATE', 'the same reader firing twice is ignored');
select is(api.badge_scan('B-kim') ->> 'message', 'LOST_BADGE', 'a lost badge is refused');
select is(api.badge_scan('B-who') ->> 'message', 'UNKNOWN_BADGE', 'an unknown badge is refused');
select throws_ok($$select api.badge_scan(repeat('x', 65))$$, 'PT422', 'INVALID_ARGUMENT', 'a 65-character code is a 422');
select throws_ok($$select api.acknowledge_alert(1)$$, '42501', null, 'a kiosk cannot acknowledge alerts');
select tests.clear_authentication();

select is(
    (select array_agg(kind order by id) from app.security_alerts),
    array['BADGE_ON_TWO_DEVICES', 'LOST_BADGE', 'UNKNOWN_BADGE'], 'each refusal raised its alert'
);
select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'kim'), 1,
    'and only the first scan punched'
);
select throws_ok($$update app.badge_scans set outcome = 'OUT'$$, 'PT403', 'APPEND_ONLY', 'scans are never rewritten');
select throws_ok(
    $$update app.security_alerts set kind = 'UNKNOWN_BADGE'$$, 'PT403', 'APPEND_ONLY',
    'an alert is never rewritten, only acknowledged'
);

select tests.authenticate_as('employee', :'lee');
select throws_ok($$select api.acknowledge_alert(1)$$, '42501', null, 'an employee cannot acknowledge alerts');
select tests.clear_authentication();

select * from finish();
rollback;
