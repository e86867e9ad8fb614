-- Approve / reject / cancel: who may decide (the chain or hr_admin, never the
-- employee themself), what each decision writes (CONSUMPTION, REVERSAL, an audit
-- row with the reason), and what is refused with which code.
begin;
select plan(31);

select tests.create_employee('mgr@example.com', null, 'approver') as mgr \gset
select tests.create_employee('oth@example.com', null, 'approver') as oth \gset
select tests.create_employee('emp@example.com', :'mgr') as emp \gset
select tests.create_employee('pee@example.com', :'mgr') as pee \gset
select tests.create_employee('hra@example.com', null, 'hr_admin') as hr \gset
select tests.next_monday() as mon \gset
select tests.grant_leave(:'emp', 'ANNUAL', 5);
select tests.grant_leave(:'mgr', 'ANNUAL', 5);
select tests.grant_leave(:'hr', 'ANNUAL', 5);

select tests.authenticate_as('employee', :'emp');
select (api.request_leave('ANNUAL', :'mon', (:'mon'::date + 1), false, false, 'trip') ->> 'id')::bigint as r1 \gset
select (api.request_leave('ANNUAL', (:'mon'::date + 7), (:'mon'::date + 7)) ->> 'id')::bigint as r2 \gset
select (api.request_leave('ANNUAL', (:'mon'::date + 14), (:'mon'::date + 14)) ->> 'id')::bigint as r3 \gset
select throws_ok(format($$select api.approve_leave(%s, 'looks fine')$$, :r1), '42501', null, 'an employee cannot approve at all');
select throws_ok(format($$select api.reject_leave(%s, 'nope')$$, :r1), '42501', null, 'nor reject');
select tests.authenticate_as('approver', :'mgr');
select (api.request_leave('ANNUAL', :'mon', :'mon', false, false, 'own') ->> 'id')::bigint as rm \gset
select throws_ok(format($$select api.approve_leave(%s, 'my own')$$, :rm), 'PT403', 'LEAVE_SELF_APPROVAL', 'an approver cannot approve their own leave');
select throws_ok(format($$select api.reject_leave(%s, 'my own')$$, :rm), 'PT403', 'LEAVE_SELF_APPROVAL', 'nor reject it');
select tests.authenticate_as('hr_admin', :'hr');
select (api.request_leave('ANNUAL', :'mon', :'mon', false, false, 'own') ->> 'id')::bigint as rh \gset
select throws_ok(format($$select api.approve_leave(%s, 'my own')$$, :rh), 'PT403', 'LEAVE_SELF_APPROVAL', 'hr_admin cannot approve their own leave either');
select tests.authenticate_as('approver', :'oth');
select throws_ok(format($$select api.approve_leave(%s, 'not mine')$$, :r1), 'PT403', 'FORBIDDEN', 'an approver outside the chain cannot approve');
select tests.authenticate_as('approver', :'mgr');
select throws_ok(format($$select api.approve_leave(%s, '')$$, :r1), 'PT422', 'INVALID_ARGUMENT', 'a decision needs a reason');
select throws_ok($$select api.approve_leave(999999999, 'ghost')$$, 'PT404', 'LEAVE_REQUEST_NOT_FOUND', 'an unknown request is 404');

select is(api.approve_leave(:r1, 'enjoy the trip') ->> 'status', 'APPROVED', 'the manager approves a report''s leave');
select throws_ok(format($$select api.approve_leave(%s, 'again')$$, :r1), 'PT409', 'LEAVE_NOT_PENDING', 'a decided request cannot be approved again');
select is(api.reject_leave(:r2, 'team offsite that day') ->> 'status', 'REJECTED', 'the manager rejects another');
select throws_ok(format($$select api.cancel_leave(%s, 'changed my mind')$$, :r3), 'PT403', 'FORBIDDEN', 'an approver cannot cancel a report''s leave');
select tests.clear_authentication();

select results_eq(
    format($$select entry_type, days from app.leave_ledger where leave_request_id = %s order by id$$, :r1),
    $$values ('CONSUMPTION'::text, -2.00::numeric)$$,
    'approval wrote one CONSUMPTION of the request''s days'
);
select is((select count(*)::int from app.leave_ledger where leave_request_id = :r2), 0, 'rejection writes nothing to the ledger');
select is(app.leave_balance(:'emp', 'ANNUAL', extract(year from :'mon'::date)::int), 3.00, 'the balance is the ledger summed: 5 - 2');
select results_eq(
    format($$select action, reason, actor_role, after ->> 'status' from app.audit_logs where entity_id in ('%s', '%s') order by id$$, :r1, :r2),
    $$values ('LEAVE_APPROVE'::text, 'enjoy the trip'::text, 'approver'::text, 'APPROVED'::text), ('LEAVE_REJECT', 'team offsite that day', 'approver', 'REJECTED')$$,
    'each decision is audited with its reason'
);

-- cancelling
select tests.authenticate_as('employee', :'pee');
select throws_ok(format($$select api.cancel_leave(%s, 'not mine')$$, :r1), 'PT403', 'FORBIDDEN', 'another employee cannot cancel my leave');
select tests.authenticate_as('employee', :'emp');
select throws_ok(format($$select api.cancel_leave(%s, 'x')$$, :r1), 'PT422', 'INVALID_ARGUMENT', 'a cancellation needs a reason');
select is(api.cancel_leave(:r1, 'trip moved') ->> 'status', 'CANCELLED', 'the employee cancels their approved leave before it starts');
select throws_ok(format($$select api.cancel_leave(%s, 'again')$$, :r1), 'PT409', 'LEAVE_NOT_CANCELLABLE', 'twice is refused');
select throws_ok(format($$select api.cancel_leave(%s, 'too late')$$, :r2), 'PT409', 'LEAVE_NOT_CANCELLABLE', 'a rejected request cannot be cancelled');
select is(api.cancel_leave(:r3, 'not needed') ->> 'status', 'CANCELLED', 'a pending request can be withdrawn');
select tests.clear_authentication();
select results_eq(
    format($$select entry_type, days from app.leave_ledger where leave_request_id = %s order by id$$, :r1),
    $$values ('CONSUMPTION'::text, -2.00::numeric), ('REVERSAL', 2.00)$$,
    'cancelling approved leave wrote a REVERSAL of the same days'
);
select is(app.leave_balance(:'emp', 'ANNUAL', extract(year from :'mon'::date)::int), 5.00, 'and the balance is whole again');
select is((select count(*)::int from app.leave_ledger where leave_request_id = :r3), 0, 'withdrawing a pending request writes nothing');

-- a leave that has started: only hr_admin cancels it
insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, status, requested_by, decided_by, decided_at)
values (:'emp', 'UNPAID', tests.today(), tests.today(), 1, 'APPROVED', 'tests', 'tests', now());
select id as rs from app.leave_requests where employee_id = :'emp' and start_date = tests.today() \gset
insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, leave_request_id, created_by)
values (:'emp', 'UNPAID', 'CONSUMPTION', -1, tests.today(), :rs, 'tests');
select tests.authenticate_as('employee', :'emp');
select throws_ok(format($$select api.cancel_leave(%s, 'was sick anyway')$$, :rs), 'PT409', 'LEAVE_ALREADY_STARTED', 'an employee cannot cancel leave that has started');
select tests.authenticate_as('hr_admin', :'hr');
select is(api.cancel_leave(:rs, 'came to work after all') ->> 'status', 'CANCELLED', 'hr_admin can, any time');
select tests.clear_authentication();

-- balance at approval time: approving more than is left is refused, and changes nothing
select tests.authenticate_as('employee', :'emp');
select (api.request_leave('ANNUAL', (:'mon'::date + 21), (:'mon'::date + 24)) ->> 'id')::bigint as r4 \gset
select tests.clear_authentication();
select tests.grant_leave(:'emp', 'ANNUAL', -3);
select tests.authenticate_as('approver', :'mgr');
select throws_ok(format($$select api.approve_leave(%s, 'approved')$$, :r4), 'PT409', 'LEAVE_BALANCE_INSUFFICIENT', 'approval re-checks the balance');
select tests.clear_authentication();
select is((tests.leave_request(:r4)).status, 'PENDING', 'the refused approval left the request pending');
select is((select count(*)::int from app.leave_ledger where leave_request_id = :r4), 0, 'and wrote no ledger row');

select is((select count(*)::int from app.leave_differences(:'mon'::date - 400, :'mon'::date + 60)), 0, 'ledger rows match every request''s status (leave_differences)');

select * from finish();
rollback;
