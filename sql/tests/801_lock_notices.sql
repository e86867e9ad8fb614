-- Lock notices (issue 16): a day that locks queues one DAY_LOCKED notice for
-- the employee and one for their approver, in the locking transaction; a
-- rolled-back lock queues nothing; re-deriving the locked day or unlocking it
-- queues nothing new.
begin;
select plan(13);

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

-- a batch (an import locks many days at once): one INSERT into the queue
-- table, each message built by app.notification_message inlined into it (no
-- PL/pgSQL builder, no pgmq.send_batch), in the batch's order
set local track_functions = 'all';
select
    coalesce(pg_stat_get_xact_function_calls(
        'app.notification_message_checked(uuid, text, text, jsonb, text)'::regprocedure
    ), 0)
    + coalesce(pg_stat_get_xact_function_calls('app.notification_message(uuid, text, text, jsonb, text)'::regprocedure), 0)
    + coalesce(pg_stat_get_xact_function_calls('pgmq.send_batch(text, jsonb[], jsonb[], timestamptz)'::regprocedure), 0)
    as calls_before \gset
select max(msg_id) as last_msg from pgmq.q_notifications \gset
select is(
    app.queue_lock_notices(
        array[:'raj', :'lena', :'raj']::uuid[], array['2026-11-23', '2026-11-23', '2026-11-24']::date[],
        array['BREAK_OVERLIMIT', 'LUNCH_OVERLIMIT', 'EARLY_CLOCK_OUT_BEFORE_7PM']
    ),
    5, 'three locked days: raj''s two notices each, lena''s one (she has no approver)'
);
select is(
    (select array_agg(n.notice order by n.notice) from (
        select (m.message #>> '{context,business_date_ist}') || ' ' || (m.message #>> '{context,recipient}')
            || ' ' || (m.message ->> 'employee_id' = :'raj')::text as notice
        from pgmq.q_notifications as m where m.msg_id > coalesce(:'last_msg'::bigint, 0)
    ) as n),
    array[
        '2026-11-23 approver false', '2026-11-23 employee false', '2026-11-23 employee true',
        '2026-11-24 approver false', '2026-11-24 employee true'
    ],
    'one notice per day and recipient'
);
select is(
    (select count(*)::integer from pgmq.q_notifications as m
        where m.msg_id > coalesce(:'last_msg'::bigint, 0) and m.message #>> '{context,recipient}' = 'approver'
            and not exists (
                select 1 from pgmq.q_notifications as p
                where p.msg_id = m.msg_id - 1
                    and p.message -> 'context' = jsonb_set(m.message -> 'context', '{recipient}', '"employee"')
            )),
    0, 'each approver''s notice is queued right after the employee''s'
);
select is(
    coalesce(pg_stat_get_xact_function_calls(
        'app.notification_message_checked(uuid, text, text, jsonb, text)'::regprocedure
    ), 0)
    + coalesce(pg_stat_get_xact_function_calls('app.notification_message(uuid, text, text, jsonb, text)'::regprocedure), 0)
    + coalesce(pg_stat_get_xact_function_calls('pgmq.send_batch(text, jsonb[], jsonb[], timestamptz)'::regprocedure), 0)
    - :calls_before,
    0::bigint, 'the batch makes no call per message and no send_batch'
);
select is(
    app.queue_lock_notices(array[:'raj']::uuid[], array['2026-11-24']::date[], array['EARLY_CLOCK_OUT_BEFORE_7PM']),
    0, 'a lock already announced queues nothing again'
);

select * from finish();
rollback;
