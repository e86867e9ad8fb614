-- The ledger and the audit trail are append-only: every client role and the
-- worker are refused UPDATE of business columns, DELETE and TRUNCATE by grants;
-- the trigger refuses them even for the owner.
begin;
select plan(25);

select tests.create_employee('ana@example.com') as ana \gset
select tests.allow_backdating();
select tests.authenticate_as('employee', :'ana');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select tests.clear_authentication();

-- every role a client or the worker can use
set local role employee;
select throws_ok($$update app.attendance_events set occurred_at = now()$$, '42501', null, 'employee cannot UPDATE the ledger');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'employee cannot DELETE from the ledger');
select throws_ok($$truncate app.attendance_events$$, '42501', null, 'employee cannot TRUNCATE the ledger');
select throws_ok($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values (gen_random_uuid(), 'CLOCK_IN', now(), 'web', 'x')$$, '42501', null, 'employee cannot INSERT into the ledger directly');
reset role;
set local role approver;
select throws_ok($$update app.attendance_events set occurred_at = now()$$, '42501', null, 'approver cannot UPDATE the ledger');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'approver cannot DELETE from the ledger');
select throws_ok($$truncate app.attendance_events$$, '42501', null, 'approver cannot TRUNCATE the ledger');
reset role;
set local role hr_admin;
select throws_ok($$update app.attendance_events set occurred_at = now()$$, '42501', null, 'hr_admin cannot UPDATE the ledger');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'hr_admin cannot DELETE from the ledger');
select throws_ok($$truncate app.attendance_events$$, '42501', null, 'hr_admin cannot TRUNCATE the ledger');
select throws_ok($$update app.audit_logs set reason = 'x'$$, '42501', null, 'hr_admin cannot UPDATE audit_logs');
select throws_ok($$delete from app.audit_logs$$, '42501', null, 'hr_admin cannot DELETE audit_logs');
reset role;
set local role kiosk;
select throws_ok($$update app.attendance_events set occurred_at = now()$$, '42501', null, 'kiosk cannot UPDATE the ledger');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'kiosk cannot DELETE from the ledger');
reset role;
set local role anon;
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'anon cannot DELETE from the ledger');
reset role;
set local role hithonix_worker;
select throws_ok($$update app.attendance_events set occurred_at = now()$$, '42501', null, 'the worker cannot UPDATE business columns');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'the worker cannot DELETE from the ledger');
select throws_ok($$truncate app.attendance_events$$, '42501', null, 'the worker cannot TRUNCATE the ledger');
reset role;

-- second wall: the trigger, which binds the owner too
select throws_ok($$update app.attendance_events set occurred_at = now()$$, 'PT403', 'LEDGER_APPEND_ONLY', 'the trigger refuses an UPDATE of a business column, even by the owner');
select throws_ok($$update app.attendance_events set business_date_ist = business_date_ist + 1$$, 'PT403', 'LEDGER_APPEND_ONLY', 'the trigger refuses moving an event to another date');
select throws_ok($$delete from app.attendance_events$$, 'PT403', 'LEDGER_APPEND_ONLY', 'the trigger refuses DELETE, even by the owner');
select throws_ok($$truncate app.attendance_events cascade$$, 'PT403', 'LEDGER_APPEND_ONLY', 'the trigger refuses TRUNCATE, even by the owner');
select lives_ok($$update app.attendance_events set attempt_count = attempt_count + 1, last_sync_error = 'x'$$, 'the sync columns may change');

insert into app.audit_logs (actor_role, action, entity) values ('hr_admin', 'TEST', 'x');
select throws_ok($$update app.audit_logs set reason = 'x'$$, 'PT403', 'APPEND_ONLY', 'audit_logs refuses UPDATE, even by the owner');
select throws_ok($$delete from app.audit_logs$$, 'PT403', 'APPEND_ONLY', 'audit_logs refuses DELETE, even by the owner');

select * from finish();
rollback;
