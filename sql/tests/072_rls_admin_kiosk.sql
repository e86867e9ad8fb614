-- hr_admin sees everything; a kiosk reads nothing and punches by badge only;
-- the pre-request check refuses inactive employees and inflated roles.
begin;
select plan(11);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.create_employee('lea@example.com') as lea \gset

insert into app.kiosk_devices (name, location, key_hash, key_prefix, created_by, purpose)
values ('lobby-1', 'Lobby', repeat('a', 64), repeat('a', 12), 'test', 'attendance') returning id as lobby \gset
insert into app.kiosk_devices (name, location, key_hash, key_prefix, created_by, purpose)
values ('training room', 'Lobby', repeat('b', 64), repeat('b', 12), 'test', 'event') returning id as training \gset
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(
    api.kiosk_punch('B-kim', 'CLOCK_IN'), '{"name": "kim", "state": "ON_SHIFT"}',
    'a kiosk clocks in the badge holder and learns only their name and new state'
);
select throws_ok($$select * from app.attendance_events$$, '42501', null, 'kiosk reads nothing, even what it wrote');
select throws_ok($$select * from api.daily_status$$, '42501', null, 'kiosk cannot read daily_status');
select is(
    api.kiosk_punch('B-nobody', 'CLOCK_IN') ->> 'message', 'UNKNOWN_BADGE',
    'an unknown badge is refused as a scan is (403 UNKNOWN_BADGE, with its alert: 905_frontdesk_kiosk_punch_refusals.sql)'
);
select throws_ok($$select api.clock_in(tests.plan())$$, '42501', null, 'kiosk cannot use the employee punch endpoints');
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'training'));
select throws_ok(
    $$select api.kiosk_punch('B-kim', 'CLOCK_OUT')$$, 'PT403', 'FORBIDDEN',
    'an event reader cannot punch through kiosk_punch either (it records attendance with badge_scan)'
);
select tests.clear_authentication();

select tests.authenticate_as('hr_admin', :'hr');
select is((select count(*)::integer from api.employees), 3, 'hr_admin sees all employees');
select is((select count(*)::integer from api.attendance_events), 1, 'hr_admin sees all events');
select is((select attendance_number from api.employees where id = :'kim'), 'A-kim', 'hr_admin sees integration identifiers');
select tests.clear_authentication();

-- pre-request: a token whose role is above the employee's is refused
select tests.authenticate_as('hr_admin', :'lea');
select throws_ok($$select app.pre_request()$$, 'PT403', 'FORBIDDEN', 'an employee with an hr_admin token is refused');
select tests.clear_authentication();
update app.employees set employment_status = 'INACTIVE' where id = :'lea';
select tests.authenticate_as('employee', :'lea');
select throws_ok($$select app.pre_request()$$, 'PT403', 'EMPLOYEE_INACTIVE', 'an inactive employee''s token is refused');

select * from finish();
rollback;
