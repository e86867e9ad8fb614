-- Approved leave in daily_status, through the same derivation: approving and
-- cancelling re-derive the covered days in their transaction, a half day is
-- marked as such, a punch on a full-day leave is accepted and flagged
-- PUNCH_ON_LEAVE, and stored == recomputed holds throughout.
begin;
select plan(21);

select tests.create_employee('boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('dev@example.com', :'boss') as dev \gset
select tests.create_employee('hrd@example.com', null, 'hr_admin') as hr \gset
select tests.next_monday() as mon \gset
select tests.grant_leave(:'dev', 'ANNUAL', 10);

select tests.authenticate_as('employee', :'dev');
select (api.request_leave('ANNUAL', :'mon', (:'mon'::date + 1), false, true, 'long weekend') ->> 'id')::bigint as r1 \gset
select (api.request_leave('ANNUAL', (:'mon'::date + 3), (:'mon'::date + 3), true, false, 'afternoon off') ->> 'id')::bigint as r2 \gset
select (api.request_leave('UNPAID', tests.today(), tests.today(), false, false, 'personal day') ->> 'id')::bigint as r3 \gset
select tests.clear_authentication();
select is(tests.day(:'dev', :'mon'), null, 'a pending leave does not touch daily_status');

select tests.authenticate_as('approver', :'boss');
select api.approve_leave(:r1, 'fine by me');
select api.approve_leave(:r2, 'fine by me');
select tests.clear_authentication();
select is((tests.day(:'dev', :'mon')).leave_portion, 'FULL_DAY', 'approval derived the first day as a full-day leave, in its transaction');
select is((tests.day(:'dev', :'mon'::date + 1)).leave_portion, 'FIRST_HALF', 'a leave ending at noon marks the morning');
select is((tests.day(:'dev', :'mon'::date + 3)).leave_portion, 'SECOND_HALF', 'a half day starting at noon marks the afternoon');
select is((tests.day(:'dev', :'mon'::date + 2)), null, 'days outside the leave are untouched');
select tests.authenticate_as('employee', :'dev');
select is((select current_status::text from api.daily_status where business_date_ist = :'mon'), 'ON_LEAVE', 'the API shows a full-day leave without punches as ON_LEAVE');
select is((select current_status::text from api.daily_status where business_date_ist = :'mon'::date + 1), 'OFF_DUTY', 'a half-day leave keeps the punch state (marked by leave_portion)');
select tests.clear_authentication();

-- a punch on a full-day leave: accepted (availability first), flagged
select tests.authenticate_as('approver', :'boss');
select api.approve_leave(:r3, 'take care');
select tests.authenticate_as('employee', :'dev');
select lives_ok($$select api.clock_in(tests.plan())$$, 'a punch on a day of full-day leave is accepted');
select tests.clear_authentication();
select ok('PUNCH_ON_LEAVE' = any((tests.day(:'dev', tests.today())).anomalies), 'and flagged PUNCH_ON_LEAVE');
select is((tests.day(:'dev', tests.today())).current_status::text, 'ON_SHIFT', 'the punch state machine still runs');
select is((tests.day(:'dev', tests.today())).leave_portion, 'FULL_DAY', 'the day is still marked as leave');
select is(
    (select count(*)::int from app.anomaly_report(tests.today(), tests.today()) where kind = 'PUNCH_ON_LEAVE' and cardinality(event_ids) = 1),
    1, 'the anomaly report lists it with the punch behind it'
);
select tests.authenticate_as('hr_admin', :'hr');
select api.cancel_leave(:r3, 'came in after all');
select tests.clear_authentication();
select ok(not ('PUNCH_ON_LEAVE' = any((tests.day(:'dev', tests.today())).anomalies)), 'cancelling the leave re-derived the day: no flag');
select is((tests.day(:'dev', tests.today())).leave_portion, null, 'and no leave');

-- cancelling a future leave clears its days
select tests.authenticate_as('employee', :'dev');
select api.cancel_leave(:r1, 'plans changed');
select tests.clear_authentication();
select is((tests.day(:'dev', :'mon')).leave_portion, null, 'cancelling re-derived the covered days in the same transaction');

-- the attack: the owner's raw write of a day that forgets its leave, or flags
-- PUNCH_ON_LEAVE without punches, is not hidden: the proofs see it, and a
-- re-derive (what approving, cancelling and unlocking run) puts it right
update app.daily_status set leave_portion = null where employee_id = :'dev' and business_date_ist = :'mon'::date + 3;
select isnt((select count(*)::int from app.leave_differences(tests.today() - 1, :'mon'::date + 10)), 0, 'a stored day that forgets its leave is caught by leave_differences');
update app.daily_status set anomalies = '{PUNCH_ON_LEAVE}' where employee_id = :'dev' and business_date_ist = :'mon'::date + 3;
select isnt((select count(*)::int from app.daily_status_differences(tests.today() - 1, :'mon'::date + 10)), 0, 'a PUNCH_ON_LEAVE without punches is caught by daily_status_differences');
select app.refresh_daily_status(array[:'dev'::uuid], array[:'mon'::date + 3]);
select is((tests.day(:'dev', :'mon'::date + 3)).leave_portion, 'SECOND_HALF', 're-deriving the day restores its leave');
select is((tests.day(:'dev', :'mon'::date + 3)).anomalies, '{}'::text[], 'and drops the false flag');

select is((select count(*)::int from app.daily_status_differences(tests.today() - 1, :'mon'::date + 10)), 0, 'stored daily_status == recomputed');
select is((select count(*)::int from app.leave_differences(tests.today() - 1, :'mon'::date + 10)), 0, 'every approved leave day is stored as derived');

select * from finish();
rollback;
