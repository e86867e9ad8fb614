-- The live state machine, with the contract's codes: what each state allows
-- and refuses. Refused punches leave no trace in the ledger.
begin;
select plan(21);

select tests.allow_backdating();
select tests.create_employee('sam@example.com') as sam \gset
select tests.authenticate_as('employee', :'sam');

select throws_ok($$select api.clock_out(tests.ist('2026-11-20 09:00'))$$, 'PT409', 'NOT_CLOCKED_IN', 'CLOCK_OUT off duty → NOT_CLOCKED_IN');
select throws_ok($$select api.break_start(tests.ist('2026-11-20 09:00'))$$, 'PT409', 'NOT_CLOCKED_IN', 'BREAK_START off duty → NOT_CLOCKED_IN');
select throws_ok($$select api.lunch_start(tests.ist('2026-11-20 09:00'))$$, 'PT409', 'NOT_CLOCKED_IN', 'LUNCH_START off duty → NOT_CLOCKED_IN');
select throws_ok($$select api.break_end(tests.ist('2026-11-20 09:00'))$$, 'PT409', 'NOT_CLOCKED_IN', 'BREAK_END off duty → NOT_CLOCKED_IN');

select lives_ok($$select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'))$$, 'CLOCK_IN off duty');
select throws_ok($$select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:05'))$$, 'PT409', 'ALREADY_CLOCKED_IN', 'second CLOCK_IN while on shift');
select throws_ok($$select api.break_end(tests.ist('2026-11-20 10:05'))$$, 'PT409', 'NO_OPEN_BREAK', 'BREAK_END without a break');
select throws_ok($$select api.lunch_end(tests.ist('2026-11-20 10:05'))$$, 'PT409', 'NO_OPEN_LUNCH', 'LUNCH_END without a lunch');

select lives_ok($$select api.break_start(tests.ist('2026-11-20 11:00'))$$, 'BREAK_START on shift');
select throws_ok($$select api.break_start(tests.ist('2026-11-20 11:01'))$$, 'PT409', 'BREAK_ALREADY_OPEN', 'second BREAK_START');
select throws_ok($$select api.lunch_start(tests.ist('2026-11-20 11:01'))$$, 'PT409', 'ON_BREAK', 'LUNCH_START on a break');
select throws_ok($$select api.clock_out(tests.ist('2026-11-20 11:01'))$$, 'PT409', 'ON_BREAK', 'CLOCK_OUT on a break');
select lives_ok($$select api.break_end(tests.ist('2026-11-20 11:10'))$$, 'BREAK_END on a break');

select lives_ok($$select api.lunch_start(tests.ist('2026-11-20 13:00'))$$, 'LUNCH_START on shift');
select throws_ok($$select api.break_start(tests.ist('2026-11-20 13:05'))$$, 'PT409', 'ON_LUNCH', 'no break during lunch');
select throws_ok($$select api.clock_out(tests.ist('2026-11-20 13:05'))$$, 'PT409', 'ON_LUNCH', 'CLOCK_OUT on lunch');
select lives_ok($$select api.lunch_end(tests.ist('2026-11-20 13:30'))$$, 'LUNCH_END on lunch');
select throws_ok($$select api.lunch_start(tests.ist('2026-11-20 14:00'))$$, 'PT409', 'LUNCH_ALREADY_TAKEN', 'one lunch per day');

select lives_ok($$select api.clock_out(tests.ist('2026-11-20 19:00'))$$, 'CLOCK_OUT on shift');
select throws_ok($$select api.clock_in(tests.plan(), tests.ist('2026-11-20 20:00'))$$, 'PT409', 'ALREADY_CLOCKED_IN', 'one CLOCK_IN per business date');

select tests.clear_authentication();
select is((select count(*)::integer from app.attendance_events where employee_id = :'sam'), 6, 'only the 6 accepted punches are in the ledger');

select * from finish();
rollback;
