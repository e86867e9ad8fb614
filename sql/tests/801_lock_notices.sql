-- Lock notices (issue 16): a day that locks queues one DAY_LOCKED notice for
-- the employee and one for their approver, in the locking transaction; a
-- rolled-back lock queues nothing; re-deriving the locked day or unlocking it
-- queues nothing new.
begin;
select plan(8);

select tests.allow_backdating();
select tests.create_employee('lena@example.com', null, 'approver') as lena \gset
select tests.create_employee('raj@example.com', :'lena') as raj \gset
select count(*) as before_msgs from pgmq.q_notifications \gset

select tests.authenticate_as('employee', :'raj');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
savepoint before_lock;
select api.clock_out(tests.ist('2026-11-20 12:00'));
rollback to savepoint before_lock;
select tests.clear_authentication();
select is((select count(*) from pgmq.q_notifications), :'before_msgs'::bigint, 'a rolled-back lock queues nothing');

select tests.authenticate_as('employee', :'raj');
select api.clock_out(tests.ist('2026-11-20 12:00'));
select tests.clear_authentication();
select is(
    (select array_agg(message ->> 'employee_id' order by message ->> 'employee_id')
        from pgmq.q_notifications where message ->> 'kind' = 'DAY_LOCKED'),
    (select array_agg(x order by x) from unnest(array[:'lena', :'raj']) as x),
    'one notice for the employee, one for the approver'
);
select ok(
    (select message ->> 'text' from pgmq.q_notifications where message ->> 'employee_id' = :'raj')
        = 'Your day 2026-11-20 was locked: the shift ended before 7 PM. Ask your approver to unlock it.',
    'the notice says why in words'
);
select is(
    (select message -> 'context' ->> 'recipient' from pgmq.q_notifications where message ->> 'employee_id' = :'lena'),
    'approver', 'the approver''s notice names their part'
);

-- a replay of the locked day (e.g. after an admin event) announces nothing new
select app.refresh_daily_status(array[:'raj'::uuid], array['2026-11-20'::date]);
select is((select count(*) from pgmq.q_notifications), :'before_msgs'::bigint + 2, 'a re-derived lock is not announced again');
select is((select count(*) from app.day_lock_notices where employee_id = :'raj'), 1::bigint, 'one lock remembered');

-- unlocked by the approver
select tests.authenticate_as('approver', :'lena');
select api.unlock_day(:'raj', '2026-11-20', 'doctor appointment');
select tests.clear_authentication();
select is((select (tests.day(:'raj', '2026-11-20')).is_locked), false, 'the unlock cleared the lock');
select is((select count(*) from pgmq.q_notifications), :'before_msgs'::bigint + 2, 'an unlock announces nothing');

select * from finish();
rollback;
