-- daily_status derivation and policy locks: the acceptance day, the break and
-- lunch allowances, early clock-out for GENERAL (FLEXIBLE exempt), and a lock
-- that sticks until an unlock.
begin;
select plan(17);

select tests.allow_backdating();
select tests.create_employee('gia@example.com') as gia \gset
select tests.create_employee('ben@example.com') as ben \gset
select tests.create_employee('eli@example.com') as eli \gset
select tests.create_employee('fay@example.com', null, 'employee', 'FLEXIBLE') as fay \gset
select tests.create_employee('lou@example.com') as lou \gset

-- the acceptance day: 10:00 in, 12:00–12:20:59 break, 13:00–13:40 lunch, 19:00:00 out
select tests.authenticate_as('employee', :'gia');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.break_start(tests.ist('2026-11-20 12:00'));
select api.break_end(tests.ist('2026-11-20 12:20:59'));
select api.lunch_start(tests.ist('2026-11-20 13:00'));
select api.lunch_end(tests.ist('2026-11-20 13:40'));
select api.clock_out(tests.ist('2026-11-20 19:00:00'));
select tests.clear_authentication();
select is((tests.day(:'gia', '2026-11-20')).current_status, 'OFF_DUTY', 'the day ends OFF_DUTY');
select is((tests.day(:'gia', '2026-11-20')).break_minutes_used, 20, '20:59 of break is 20 whole minutes');
select is((tests.day(:'gia', '2026-11-20')).lunch_minutes, 40, '40 minutes of lunch');
select is((tests.day(:'gia', '2026-11-20')).worked_minutes, 479, 'worked = 9 h minus break and lunch, floored');
select is((tests.day(:'gia', '2026-11-20')).is_locked, false, 'not locked');
select is((tests.day(:'gia', '2026-11-20')).event_count, 6, 'six events');
select is((tests.day(:'gia', '2026-11-20')).anomalies, '{}'::text [], 'no anomalies');

-- 31 minutes of breaks in total lock BREAK_OVERLIMIT
select tests.authenticate_as('employee', :'ben');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.break_start(tests.ist('2026-11-20 11:00'));
select api.break_end(tests.ist('2026-11-20 11:20'));
select api.break_start(tests.ist('2026-11-20 15:00'));
select is(api.break_end(tests.ist('2026-11-20 15:11')) -> 'daily_status' ->> 'lock_reason', 'BREAK_OVERLIMIT', '31 break minutes lock BREAK_OVERLIMIT');
-- the first reason sticks: a later early clock-out does not replace it
select is(api.clock_out(tests.ist('2026-11-20 18:00')) -> 'daily_status' ->> 'lock_reason', 'BREAK_OVERLIMIT', 'the first lock reason sticks');
select tests.clear_authentication();

-- 18:59:59 out locks EARLY_CLOCK_OUT_BEFORE_7PM for GENERAL
select tests.authenticate_as('employee', :'eli');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select is(api.clock_out(tests.ist('2026-11-20 18:59:59')) -> 'daily_status' ->> 'lock_reason', 'EARLY_CLOCK_OUT_BEFORE_7PM', '18:59:59 out locks a GENERAL day');
select tests.clear_authentication();

-- FLEXIBLE is exempt
select tests.authenticate_as('employee', :'fay');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select is(api.clock_out(tests.ist('2026-11-20 16:00')) -> 'daily_status' ->> 'is_locked', 'false', 'a FLEXIBLE shift out at 16:00 is not locked');
select tests.clear_authentication();

-- a 41-minute lunch locks LUNCH_OVERLIMIT; a lock never blocks punching
select tests.authenticate_as('employee', :'lou');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.lunch_start(tests.ist('2026-11-20 13:00'));
select is(api.lunch_end(tests.ist('2026-11-20 13:41')) -> 'daily_status' ->> 'lock_reason', 'LUNCH_OVERLIMIT', 'a 41-minute lunch locks LUNCH_OVERLIMIT');
select lives_ok($$select api.break_start(tests.ist('2026-11-20 15:00'))$$, 'a locked day still accepts punches');
select tests.clear_authentication();

-- END without START (imported history) locks, and is flagged rather than refused
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'gia', 'CLOCK_IN', tests.ist('2026-11-21 10:00'), 'import', 'test'),
(:'gia', 'BREAK_END', tests.ist('2026-11-21 11:00'), 'import', 'test'),
(:'gia', 'LUNCH_END', tests.ist('2026-11-21 14:00'), 'import', 'test');
select is((tests.day(:'gia', '2026-11-21')).lock_reason, 'BREAK_END_WITHOUT_START', 'an imported BREAK_END without start locks the day');
select ok('LUNCH_MISMATCH' = any((tests.day(:'gia', '2026-11-21')).anomalies), 'a LUNCH_END without start is a LUNCH_MISMATCH');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'gia', 'LUNCH_END', tests.ist('2026-11-22 14:00'), 'import', 'test');
select ok('EVENT_WITHOUT_SHIFT' = any((tests.day(:'gia', '2026-11-22')).anomalies), 'an event with no shift is flagged EVENT_WITHOUT_SHIFT');
select is((tests.day(:'gia', '2026-11-22')).current_status, 'OFF_DUTY', 'and does not change the state');

select * from finish();
rollback;
