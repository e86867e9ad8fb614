-- Requesting leave: what is counted, what is refused (with the exact code),
-- and the overlap rule held by the exclusion constraint itself — the attack
-- of inserting an overlapping row past the function is refused too.
begin;
select plan(32);

select tests.create_employee('ria@example.com') as ria \gset
select tests.create_employee('sam@example.com') as sam \gset
select tests.create_employee('hrh@example.com', null, 'hr_admin') as hr \gset
select tests.next_monday() as mon \gset
select tests.grant_leave(:'ria', 'ANNUAL', 6);
select tests.grant_leave(:'ria', 'CASUAL', 1);

select tests.authenticate_as('employee', :'ria');
select api.request_leave('ANNUAL', :'mon', (:'mon'::date + 1), false, true, 'family visit') as r1 \gset
select is(:'r1'::jsonb ->> 'status', 'PENDING', 'a request starts PENDING');
select is((:'r1'::jsonb ->> 'days')::numeric, 1.5, 'Monday and the morning of Tuesday count 1.5 days');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon'::date + 1, :'mon'::date + 2), 'PT409', 'LEAVE_OVERLAP', 'a request overlapping a pending one is refused 409 LEAVE_OVERLAP');
select is((api.request_leave('ANNUAL', (:'mon'::date + 1), (:'mon'::date + 1), true, false, 'dentist') ->> 'days')::numeric, 0.5, 'the free afternoon of Tuesday can be requested as a half day');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L, true, false)$$, :'mon'::date + 1, :'mon'::date + 1), 'PT409', 'LEAVE_OVERLAP', 'but not twice');
select is((api.request_leave('ANNUAL', (:'mon'::date + 4), (:'mon'::date + 7)) ->> 'days')::numeric, 2.0, 'Friday to Monday counts 2 days: the weekend is a week-off');
select is((api.request_leave('UNPAID', (:'mon'::date + 12), (:'mon'::date + 14)) ->> 'days')::numeric, 3.0, 'unpaid leave counts the weekend inside it (sandwich rule)');
select is((api.request_leave('UNPAID', (:'mon'::date + 21), (:'mon'::date + 25)) ->> 'days')::numeric, 5.0, 'and may go negative');
select throws_ok(format($$select api.request_leave('CASUAL', %L, %L)$$, :'mon'::date + 28, :'mon'::date + 29), 'PT409', 'LEAVE_BALANCE_INSUFFICIENT', 'more days than the balance: 409 LEAVE_BALANCE_INSUFFICIENT');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon'::date + 28, :'mon'::date + 32), 'PT409', 'LEAVE_BALANCE_INSUFFICIENT', 'pending days count against the balance');
select throws_ok(format($$select api.request_leave('SICK', %L, %L)$$, :'mon'::date + 28, :'mon'::date + 28), 'PT409', 'LEAVE_BALANCE_INSUFFICIENT', 'no allocation, no sick leave');
select throws_ok(format($$select api.request_leave('UNPAID', %L, %L, true)$$, :'mon'::date + 35, :'mon'::date + 35), 'PT422', 'INVALID_ARGUMENT', 'a full-day policy refuses half days');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L, true, true)$$, :'mon'::date + 35, :'mon'::date + 35), 'PT422', 'INVALID_ARGUMENT', 'one day cannot be both halves off');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon'::date + 2, :'mon'::date + 1), 'PT422', 'INVALID_ARGUMENT', 'end before start: 422');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon'::date + 400, :'mon'::date + 400), 'PT422', 'INVALID_ARGUMENT', 'a date more than a year away: 422');
select throws_ok($$select api.request_leave('ANNUAL', null, null)$$, 'PT422', 'INVALID_ARGUMENT', 'dates are required');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, tests.today() - 20, tests.today() - 20), 'PT422', 'LEAVE_BACKDATE_LIMIT_EXCEEDED', 'annual leave cannot be dated 20 days back');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, make_date(extract(year from now())::int, 12, 31), make_date(extract(year from now())::int + 1, 1, 1)), 'PT422', 'LEAVE_SPANS_YEARS', 'a leave stays within one leave year');
select throws_ok(format($$select api.request_leave('CASUAL', %L, %L)$$, :'mon'::date + 35, :'mon'::date + 38), 'PT422', 'LEAVE_TOO_LONG', 'casual leave allows 3 consecutive days');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon'::date + 5, :'mon'::date + 6), 'PT422', 'LEAVE_NO_WORKING_DAYS', 'a weekend alone is no leave');
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L, false, false, repeat('x', 501))$$, :'mon'::date + 35, :'mon'::date + 35), 'PT422', 'INVALID_ARGUMENT', 'a reason is bounded');
select throws_ok(format($$select api.request_leave('NOPE', %L, %L)$$, :'mon'::date + 35, :'mon'::date + 35), 'PT404', 'LEAVE_POLICY_NOT_FOUND', 'an unknown policy is 404');
select throws_ok(format($$select api.request_leave(repeat('X', 5000), %L, %L)$$, :'mon'::date + 35, :'mon'::date + 35), 'PT422', 'INVALID_ARGUMENT', 'a huge policy code is 422, not 500');
select throws_ok(format($$select api.request_leave('UNPAID', %L, %L, false, false, null, %L)$$, :'mon'::date + 35, :'mon'::date + 35, :'sam'), 'PT403', 'FORBIDDEN', 'an employee cannot request leave for someone else');
select tests.clear_authentication();

-- holidays and week-offs
insert into app.holidays (location, holiday_date, name) values ('*', :'mon'::date + 43, 'Test holiday');
update app.employees set shift_config = shift_config || '{"week_off_days": [7]}' where id = :'sam';
select tests.grant_leave(:'sam', 'ANNUAL', 10);
select tests.authenticate_as('employee', :'ria');
select is((api.request_leave('ANNUAL', (:'mon'::date + 42), (:'mon'::date + 44)) ->> 'days')::numeric, 2.0, 'a holiday inside a leave is not counted');
select tests.authenticate_as('employee', :'sam');
select is((api.request_leave('ANNUAL', (:'mon'::date + 24), (:'mon'::date + 27)) ->> 'days')::numeric, 3.0, 'Saturday counts for someone whose week-off is Sunday only (shift_config.week_off_days)');
select tests.authenticate_as('hr_admin', :'hr');
select is((api.request_leave('UNPAID', (:'mon'::date + 42), (:'mon'::date + 44), false, false, 'on behalf', :'sam') ->> 'days')::numeric, 3.0, 'hr_admin requests for someone else; unpaid leave counts the holiday (sandwich)');
select tests.clear_authentication();

-- the exclusion constraint is the wall, not the function
select throws_ok(format($$insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, requested_by) values (%L, 'UNPAID', %L, %L, 1, 'attacker')$$, :'ria', :'mon', :'mon'), '23P01', null, 'an overlapping row inserted past request_leave is refused by the exclusion constraint');
select lives_ok(format($$insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, status, requested_by, decided_by, decided_at) values (%L, 'UNPAID', %L, %L, 1, 'REJECTED', 'x', 'x', now())$$, :'ria', :'mon', :'mon'), 'a rejected request does not hold the dates');
select throws_ok(format($$insert into app.leave_requests (employee_id, policy_code, start_date, end_date, half_day_start, half_day_end, days, requested_by) values (%L, 'ANNUAL', %L, %L, true, true, 1, 'x')$$, :'ria', :'mon'::date + 3, :'mon'::date + 3), '23514', null, 'an empty half-day range is refused by the table');

-- who may call it at all
set local role kiosk;
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon', :'mon'), '42501', null, 'kiosk cannot request leave');
reset role;
set local role anon;
select throws_ok(format($$select api.request_leave('ANNUAL', %L, %L)$$, :'mon', :'mon'), '42501', null, 'anon cannot request leave');
reset role;

select * from finish();
rollback;
