-- Accrual and year end: idempotent per (employee, policy, period) — a dry run
-- writes nothing, a second run writes nothing — with the amounts the policies
-- promise (monthly to the exact yearly total, joiners pro-rated, carry-forward
-- capped, carried days expiring after the policy's window).
begin;
select plan(21);

select tests.create_employee('acc1@example.com') as a1 \gset
select tests.create_employee('acc2@example.com') as a2 \gset
select tests.create_employee('acc3@example.com') as a3 \gset
update app.employees set date_of_joining = '2025-07-15' where id = :'a2';
update app.employees set employment_status = 'INACTIVE' where id = :'a3';
create temp table mine as select unnest(array[:'a1', :'a2', :'a3']::uuid[]) as id;
grant select on mine to public;

select results_eq(
    format($$select policy_code, entry_type, days, period_key from app.leave_accrue_v1('2025-03-15', false) where employee_id = %L order by 1, 4$$, :'a1'),
    $$values ('ANNUAL'::text, 'ACCRUAL'::text, 1.50::numeric, '2025-01'::text), ('ANNUAL', 'ACCRUAL', 1.50, '2025-02'), ('ANNUAL', 'ACCRUAL', 1.50, '2025-03'), ('CASUAL', 'ALLOCATION', 8.00, '2025'), ('SICK', 'ALLOCATION', 12.00, '2025')$$,
    'a dry run lists the accruals due: monthly annual leave so far, yearly sick and casual'
);
select is((select count(*)::int from app.leave_ledger where employee_id in (select id from mine)), 0, 'a dry run writes nothing');
select is((select count(*)::int from app.leave_accrue_v1('2025-03-15', true) where employee_id in (select id from mine)), 5, '--apply writes them');
select is((select count(*)::int from app.leave_ledger where employee_id in (select id from mine)), 5, 'five rows in the ledger');
select is((select count(*)::int from app.leave_accrue_v1('2025-03-15', true) where employee_id in (select id from mine)), 0, 'a second run is due nothing');
select is((select count(*)::int from app.leave_ledger where employee_id in (select id from mine)), 5, 'and writes nothing');
select is((select count(*)::int from app.leave_accrue_v1('2025-12-31', true) where employee_id = :'a3'), 0, 'an inactive employee accrues nothing');
select is(app.leave_balance(:'a1', 'ANNUAL', 2025), 18.00, 'twelve monthly accruals add up to the yearly entitlement exactly');
select is(app.leave_balance(:'a2', 'SICK', 2025), 6.00, 'a July joiner gets half the yearly sick allocation');
select is((select effective_date from app.leave_ledger where employee_id = :'a2' and policy_code = 'SICK'), '2025-07-15'::date, 'dated on the joining date');
select is(app.leave_balance(:'a2', 'ANNUAL', 2025), 9.00, 'and accrues annual leave from the month of joining');

-- year end 2025
select results_eq(
    format($$select entry_type, days, effective_date, period_key from app.leave_year_end_v1('2026-01-01', true) where employee_id = %L and policy_code = 'ANNUAL' order by effective_date, entry_type$$, :'a1'),
    $$values ('CARRY_FORWARD'::text, -10.00::numeric, '2025-12-31'::date, '2025-OUT'::text), ('EXPIRY', -8.00, '2025-12-31', '2025'), ('CARRY_FORWARD', 10.00, '2026-01-01', '2025-IN')$$,
    '18 unused annual days: 10 carried forward (the cap), 8 expire'
);
select is(app.leave_balance(:'a1', 'ANNUAL', 2025), 0.00, 'the closed year ends at zero');
select is(app.leave_balance(:'a1', 'ANNUAL', 2026), 10.00, 'the new year opens with the carried days');
select is(app.leave_balance(:'a1', 'SICK', 2026), 0.00, 'sick leave does not carry forward');
select results_eq(
    format($$select entry_type, days from app.leave_ledger where employee_id = %L and policy_code = 'SICK' and entry_type = 'EXPIRY'$$, :'a1'),
    $$values ('EXPIRY'::text, -12.00::numeric)$$,
    'unused sick days expire at year end (the cap is 0)'
);
select is((select count(*)::int from app.leave_year_end_v1('2026-01-01', true) where employee_id in (select id from mine)), 0, 'running year end again is due nothing');

-- carried days expire after the policy's window (annual: 3 months), less what was used in it
insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, status, requested_by, decided_by, decided_at)
values (:'a1', 'ANNUAL', '2026-02-02', '2026-02-04', 3, 'APPROVED', 'tests', 'tests', now());
insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, leave_request_id, created_by)
select :'a1', 'ANNUAL', 'CONSUMPTION', -3, '2026-02-02', id, 'tests' from app.leave_requests where employee_id = :'a1';
select is((select count(*)::int from app.leave_year_end_v1('2026-03-31', false) where employee_id in (select id from mine)), 0, 'nothing expires inside the window');
select results_eq(
    format($$select entry_type, days, effective_date, period_key from app.leave_year_end_v1('2026-04-01', true) where employee_id = %L$$, :'a1'),
    $$values ('EXPIRY'::text, -7.00::numeric, '2026-04-01'::date, 'CF-2026'::text)$$,
    'of 10 carried days, 3 were used in time and 7 expire when the window closes'
);

-- who may run them
set local role hithonix_worker;
select lives_ok($$select count(*) from app.leave_accrue_v1('2025-03-15', false)$$, 'the worker runs the accrual job');
reset role;
set local role hr_admin;
select throws_ok($$select count(*) from app.leave_accrue_v1('2025-03-15', true)$$, '42501', null, 'a client role cannot');
reset role;

select * from finish();
rollback;
