-- The leave ledger is append-only like attendance_events (same two walls:
-- grants for every client role and the worker, a trigger that binds the owner
-- too); leave requests are never deleted, what they asked for never changes and
-- their status only moves forward; the ledger's constraints refuse rows that
-- would make a balance lie.
begin;
select plan(32);

select tests.create_employee('lea@example.com') as lea \gset
select tests.grant_leave(:'lea', 'ANNUAL', 5);
insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, requested_by)
values (:'lea', 'UNPAID', tests.next_monday(), tests.next_monday(), 1, 'tests');
select id as req from app.leave_requests where employee_id = :'lea' \gset

-- first wall: grants, for every role a client or the worker can use
set local role employee;
select throws_ok($$update app.leave_ledger set days = 100$$, '42501', null, 'employee cannot UPDATE the leave ledger');
select throws_ok($$delete from app.leave_ledger$$, '42501', null, 'employee cannot DELETE from the leave ledger');
select throws_ok($$truncate app.leave_ledger$$, '42501', null, 'employee cannot TRUNCATE the leave ledger');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by) values (%L, 'ANNUAL', 'ADJUSTMENT', 50, current_date, 'me')$$, :'lea'), '42501', null, 'employee cannot INSERT days for themself');
select throws_ok($$update app.leave_requests set status = 'APPROVED'$$, '42501', null, 'employee cannot approve by UPDATE');
select throws_ok($$delete from app.leave_requests$$, '42501', null, 'employee cannot DELETE a request');
reset role;
set local role approver;
select throws_ok($$update app.leave_ledger set days = 100$$, '42501', null, 'approver cannot UPDATE the leave ledger');
select throws_ok($$delete from app.leave_ledger$$, '42501', null, 'approver cannot DELETE from the leave ledger');
select throws_ok($$update app.leave_requests set status = 'APPROVED'$$, '42501', null, 'approver cannot approve by UPDATE');
reset role;
set local role hr_admin;
select throws_ok($$update app.leave_ledger set days = 100$$, '42501', null, 'hr_admin cannot UPDATE the leave ledger');
select throws_ok($$delete from app.leave_ledger$$, '42501', null, 'hr_admin cannot DELETE from the leave ledger');
select throws_ok($$truncate app.leave_ledger$$, '42501', null, 'hr_admin cannot TRUNCATE the leave ledger');
select throws_ok($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by) values (gen_random_uuid(), 'ANNUAL', 'ADJUSTMENT', 1, current_date, 'x')$$, '42501', null, 'hr_admin adjusts only through adjust_leave_balance');
reset role;
set local role kiosk;
select throws_ok($$delete from app.leave_ledger$$, '42501', null, 'kiosk cannot DELETE from the leave ledger');
reset role;
set local role anon;
select throws_ok($$select * from app.leave_ledger$$, '42501', null, 'anon cannot even read the leave ledger');
reset role;
set local role hithonix_worker;
select throws_ok($$update app.leave_ledger set days = 100$$, '42501', null, 'the worker cannot UPDATE the leave ledger');
select throws_ok($$delete from app.leave_ledger$$, '42501', null, 'the worker cannot DELETE from the leave ledger');
select throws_ok($$truncate app.leave_ledger$$, '42501', null, 'the worker cannot TRUNCATE the leave ledger');
reset role;

-- second wall: triggers, which bind the owner too
select throws_ok($$update app.leave_ledger set days = 100$$, 'PT403', 'APPEND_ONLY', 'the trigger refuses UPDATE of the leave ledger, even by the owner');
select throws_ok($$delete from app.leave_ledger$$, 'PT403', 'APPEND_ONLY', 'the trigger refuses DELETE, even by the owner');
select throws_ok($$truncate app.leave_ledger cascade$$, 'PT403', 'APPEND_ONLY', 'the trigger refuses TRUNCATE, even by the owner');
select throws_ok($$delete from app.leave_requests$$, 'PT403', 'APPEND_ONLY', 'a request is never deleted, even by the owner');
select throws_ok(format($$update app.leave_requests set start_date = start_date - 1 where id = %s$$, :req), 'PT403', 'LEAVE_REQUEST_IMMUTABLE', 'what a request asked for never changes, even by the owner');
select throws_ok(format($$update app.leave_requests set days = 0.5 where id = %s$$, :req), 'PT403', 'LEAVE_REQUEST_IMMUTABLE', 'its day count never changes');
update app.leave_requests set status = 'REJECTED', decided_by = 'x', decided_at = now() where id = :req;
select throws_ok(format($$update app.leave_requests set status = 'APPROVED' where id = %s$$, :req), 'PT409', 'LEAVE_INVALID_TRANSITION', 'a rejected request cannot become approved');
select throws_ok(format($$update app.leave_requests set status = 'PENDING' where id = %s$$, :req), 'PT409', 'LEAVE_INVALID_TRANSITION', 'nor pending again');

-- the ledger's own constraints
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by) values (%L, 'ANNUAL', 'CONSUMPTION', -1, current_date, 'x')$$, :'lea'), '23514', null, 'a CONSUMPTION names its request');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, leave_request_id, created_by) values (%L, 'ANNUAL', 'CONSUMPTION', 1, current_date, %s, 'x')$$, :'lea', :req), '23514', null, 'a CONSUMPTION takes days away (negative)');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, period_key, created_by) values (%L, 'ANNUAL', 'EXPIRY', 2, current_date, '2026', 'x')$$, :'lea'), '23514', null, 'an EXPIRY cannot add days');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, leave_request_id, created_by) values (gen_random_uuid(), 'ANNUAL', 'REVERSAL', 1, current_date, %s, 'x')$$, :req), '23503', null, 'a row about a request belongs to that request''s employee (composite key)');
insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, period_key, created_by)
values (:'lea', 'ANNUAL', 'ACCRUAL', 1.5, '2026-03-01', '2026-03', 'x');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, period_key, created_by) values (%L, 'ANNUAL', 'ACCRUAL', 1.5, '2026-03-01', '2026-03', 'x')$$, :'lea'), '23505', null, 'one ACCRUAL per employee, policy and period');
select throws_ok(format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, created_by) values (%L, 'ANNUAL', 'ADJUSTMENT', 1, current_date, repeat('x', 201))$$, :'lea'), '23514', null, 'text columns are bounded');

select * from finish();
rollback;
