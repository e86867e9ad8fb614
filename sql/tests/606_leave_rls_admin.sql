-- Who sees which leave (own; approver: chain; hr_admin: all; kiosk/anon:
-- nothing), and hr_admin's maintenance: policies, holidays, adjustments and the
-- summary — each audited, each refused to everyone else, bad values a 422
-- naming the field.
begin;
select plan(29);

select tests.create_employee('lead@example.com', null, 'approver') as lead \gset
select tests.create_employee('mate@example.com', :'lead') as mate \gset
select tests.create_employee('solo@example.com') as solo \gset
select tests.create_employee('hrx@example.com', null, 'hr_admin') as hr \gset
select tests.next_monday() as mon \gset
update app.employees set department = 'Engineering' where id in (:'lead', :'mate');
select tests.grant_leave(:'mate', 'ANNUAL', 5);
select tests.grant_leave(:'solo', 'ANNUAL', 5);
select tests.authenticate_as('employee', :'mate');
select (api.request_leave('ANNUAL', :'mon', :'mon') ->> 'id')::bigint as rm \gset
select tests.authenticate_as('employee', :'solo');
select (api.request_leave('ANNUAL', :'mon', (:'mon'::date + 1)) ->> 'id')::bigint as rs \gset
select tests.clear_authentication();

-- reading
select tests.authenticate_as('employee', :'mate');
select results_eq($$select id from api.leave_requests$$, format($$values (%s::bigint)$$, :rm), 'an employee sees only their own requests');
select results_eq($$select distinct employee_id from api.leave_balances$$, format($$values (%L::uuid)$$, :'mate'), 'and only their own balances');
select is((select count(*)::int from api.leave_policies), 5, 'everyone reads the policies');
select tests.authenticate_as('approver', :'lead');
select results_eq($$select id from api.leave_requests$$, format($$values (%s::bigint)$$, :rm), 'an approver sees their chain''s requests, not others''');
select results_eq($$select employee_id, policy_code, balance, pending, available from api.leave_balances$$, format($$values (%L::uuid, 'ANNUAL'::text, 5.00::numeric, 1.00::numeric, 4.00::numeric)$$, :'mate'), 'and their balances, with pending and available days');
select tests.authenticate_as('hr_admin', :'hr');
select is((select count(*)::int from api.leave_requests where id in (:rm, :rs)), 2, 'hr_admin sees every request');
select tests.clear_authentication();
set local role kiosk;
select throws_ok($$select * from api.leave_requests$$, '42501', null, 'kiosk reads no leave');
reset role;
set local role anon;
select throws_ok($$select * from api.leave_balances$$, '42501', null, 'anon reads no leave');
select throws_ok($$select * from api.leave_policies$$, '42501', null, 'anon reads no policy');
reset role;

-- the summary
select tests.authenticate_as('hr_admin', :'hr');
select results_eq(
    format($$select employee_id, policy_code, opening, accrued, taken, adjusted, pending, closing from api.leave_summary(%L, %L, 'Engineering')$$, date_trunc('year', :'mon'::date)::date, make_date(extract(year from :'mon'::date)::int, 12, 31)),
    format($$values (%L::uuid, 'ANNUAL'::text, 0::numeric, 0::numeric, 0::numeric, 5.00::numeric, 1.00::numeric, 5.00::numeric)$$, :'mate'),
    'leave_summary: per employee and policy, filtered by department'
);
select throws_ok(format($$select * from api.leave_summary(%L, %L)$$, :'mon', :'mon'::date + 400), 'PT422', 'INVALID_ARGUMENT', 'a summary stays within one leave year');
select tests.authenticate_as('approver', :'lead');
select throws_ok(format($$select * from api.leave_summary(%L, %L)$$, :'mon', :'mon'), '42501', null, 'the summary is hr_admin''s');
select tests.clear_authentication();

-- manual adjustments
select tests.authenticate_as('hr_admin', :'hr');
select is((api.adjust_leave_balance(:'mate', 'COMP_OFF', 1, 'worked on Sunday release', :'mon') ->> 'entry_type'), 'ADJUSTMENT', 'hr_admin grants a comp-off day as an ADJUSTMENT row');
select throws_ok(format($$select api.adjust_leave_balance(%L, 'COMP_OFF', 0, 'nothing at all')$$, :'mate'), 'PT422', 'INVALID_ARGUMENT', 'zero days is refused');
select throws_ok(format($$select api.adjust_leave_balance(%L, 'COMP_OFF', 1, 'x')$$, :'mate'), 'PT422', 'INVALID_ARGUMENT', 'an adjustment needs a reason');
select throws_ok($$select api.adjust_leave_balance(gen_random_uuid(), 'COMP_OFF', 1, 'no such person')$$, 'PT404', 'EMPLOYEE_NOT_FOUND', 'an unknown employee is 404');
select tests.authenticate_as('approver', :'lead');
select throws_ok(format($$select api.adjust_leave_balance(%L, 'COMP_OFF', 1, 'generous boss')$$, :'mate'), '42501', null, 'an approver cannot adjust balances');
select tests.clear_authentication();

-- policies and holidays
select tests.authenticate_as('hr_admin', :'hr');
select is((api.upsert_leave_policy('STUDY', 'Study leave', 'exam season', yearly_entitlement => 4, accrual => 'YEARLY') ->> 'yearly_entitlement')::numeric, 4::numeric, 'hr_admin adds a policy');
select is((api.upsert_leave_policy('ANNUAL', null, 'new company rule', max_consecutive_days => 20) ->> 'max_consecutive_days')::int, 20, 'and changes one field of another, the rest kept');
select is((select name from api.leave_policies where code = 'ANNUAL'), 'Annual leave', 'the name was kept');
select throws_ok($$select api.upsert_leave_policy('ANNUAL', null, 'typo', yearly_entitlement => 5000)$$, 'PT422', 'INVALID_ARGUMENT', 'an entitlement over 366 is refused 422');
select is(tests.error_hint($$select api.upsert_leave_policy('ANNUAL', null, 'typo', yearly_entitlement => 5000)$$) ->> 'field', 'yearly_entitlement', 'the 422 names the field');
select is(tests.error_hint($$select api.request_leave('ANNUAL', current_date, current_date - 1)$$) ->> 'field', 'end_date', 'so does request_leave''s');
select throws_ok($$select api.upsert_leave_policy('bad code', 'Bad', 'lower case')$$, 'PT422', 'INVALID_ARGUMENT', 'a malformed code is refused 422');
select is((api.upsert_holiday(:'mon'::date + 2, 'Founders day', 'offsite') ->> 'location'), '*', 'hr_admin adds a company-wide holiday');
select is((api.delete_holiday(:'mon'::date + 2, 'moved to Friday') ->> 'name'), 'Founders day', 'and removes it');
select throws_ok(format($$select api.delete_holiday(%L, 'twice')$$, :'mon'::date + 2), 'PT404', 'HOLIDAY_NOT_FOUND', 'a missing holiday is 404');
select tests.authenticate_as('employee', :'mate');
select throws_ok(format($$select api.upsert_holiday(%L, 'My birthday', 'why not')$$, :'mon'), '42501', null, 'an employee cannot add holidays');
select tests.clear_authentication();
select results_eq(
    $$select action from app.audit_logs where action in ('LEAVE_ADJUST', 'LEAVE_POLICY_UPSERT', 'HOLIDAY_UPSERT', 'HOLIDAY_DELETE') order by id$$,
    $$values ('LEAVE_ADJUST'::text), ('LEAVE_POLICY_UPSERT'), ('LEAVE_POLICY_UPSERT'), ('HOLIDAY_UPSERT'), ('HOLIDAY_DELETE')$$,
    'every maintenance step is audited (refused ones are not written)'
);

select * from finish();
rollback;
