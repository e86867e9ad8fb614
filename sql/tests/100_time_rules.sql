-- occurred_at rules: no future punches (beyond the clock-skew allowance),
-- employees back-date a little, admins more (audited), no punch before your last.
begin;
select plan(6);

select tests.create_employee('tia@example.com') as tia \gset
select tests.authenticate_as('employee', :'tia');
select throws_ok($$select api.clock_in(tests.plan(), now() + interval '10 minutes')$$, 'PT422', 'OCCURRED_AT_IN_FUTURE', 'a future punch is refused');
select lives_ok($$select api.clock_in(tests.plan(), now() + interval '30 seconds')$$, 'a small clock skew is allowed');
select throws_ok($$select api.break_start(now() - interval '2 hours')$$, 'PT422', 'BACKDATE_LIMIT_EXCEEDED', 'an employee cannot back-date beyond the setting');
select lives_ok($$select api.break_start(now() + interval '1 minute')$$, 'a punch at now is fine');
select throws_ok($$select api.break_end(now() - interval '5 minutes')$$, 'PT422', 'OCCURRED_AT_BEFORE_LAST_EVENT', 'a punch cannot be dated before the last one');
select tests.clear_authentication();
select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'tia'), 2,
    'refused punches left no trace'
);

select * from finish();
rollback;
