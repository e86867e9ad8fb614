-- The notification outbox: a notice commits or rolls back with its cause, a
-- dedupe key queues one notice once, bad arguments are refused, and no client
-- role can queue a notice directly.
begin;
select plan(14);

select tests.create_employee('nia@example.com') as nia \gset
select count(*) as before_msgs from pgmq.q_notifications \gset

savepoint before_notice;
select app.enqueue_notification(:'nia', 'DAY_LOCKED', 'Your day was locked.');
rollback to savepoint before_notice;
select is((select count(*) from pgmq.q_notifications), :'before_msgs'::bigint, 'a rolled-back notice leaves no message');

select app.enqueue_notification(:'nia', 'DAY_LOCKED', 'Your day was locked.', '{"date": "2026-11-20"}', 'lock:x') as first_id \gset
select is(
    app.enqueue_notification(:'nia', 'DAY_LOCKED', 'Your day was locked.', '{}', 'lock:x'),
    :first_id::bigint, 'the same dedupe key while the first copy waits queues nothing new'
);
select is(
    (select message from pgmq.q_notifications where msg_id = :first_id),
    jsonb_build_object(
        'kind', 'DAY_LOCKED', 'employee_id', :'nia', 'text', 'Your day was locked.',
        'context', '{"date": "2026-11-20"}'::jsonb, 'dedupe_key', 'lock:x'
    ),
    'the message carries recipient, kind, text, context and dedupe key'
);

select throws_ok(
    format('select app.enqueue_notification(%L, %L, %L)', :'nia', 'day locked', 'x'),
    'PT422', 'INVALID_ARGUMENT', 'kind must be an upper-case code'
);
select throws_ok(
    format('select app.enqueue_notification(%L, %L, %L)', :'nia', 'DAY_LOCKED', repeat('x', 2001)),
    'PT422', 'INVALID_ARGUMENT', 'text is bounded'
);
select throws_ok(
    format('select app.enqueue_notification(null, %L, %L)', 'DAY_LOCKED', 'x'),
    'PT422', 'INVALID_ARGUMENT', 'a recipient is required'
);

-- one builder for every producer: the batch of lock notices sends what it checks
select throws_ok(
    format('select app.notification_message(%L, %L, %L, %L, %L)', :'nia', 'DAY_LOCKED', 'x', '{}', repeat('k', 201)),
    'PT422', 'INVALID_ARGUMENT', 'the dedupe key is bounded in the shared builder'
);
select throws_ok(
    format('select app.notification_message(%L, %L, %L, %L)', :'nia', 'DAY_LOCKED', 'x', '[]'),
    'PT422', 'INVALID_ARGUMENT', 'the context must be a JSON object'
);
select is(
    app.notification_message(:'nia', 'DAY_LOCKED', 'x'),
    jsonb_build_object('kind', 'DAY_LOCKED', 'employee_id', :'nia', 'text', 'x', 'context', '{}'::jsonb),
    'without a dedupe key the message has none'
);
select tests.create_employee('moe@example.com', p_manager => :'nia') as moe \gset
select is(
    app.queue_lock_notices(array[:'moe'::uuid], array['2026-11-20'::date], array['BREAK_OVERLIMIT']), 2,
    'a locked day queues the employee''s and the approver''s notice'
);
select is(
    (select array_agg(m.message order by m.msg_id) from pgmq.q_notifications as m
        where m.message ->> 'kind' = 'DAY_LOCKED' and m.message -> 'context' ->> 'employee_id' = :'moe'),
    array[
        jsonb_build_object(
            'kind', 'DAY_LOCKED', 'employee_id', :'moe',
            'text', 'Your day 2026-11-20 was locked: breaks went over the day''s break allowance. '
                || 'Ask your approver to unlock it.',
            'context', jsonb_build_object(
                'employee_id', :'moe', 'business_date_ist', '2026-11-20', 'lock_reason', 'BREAK_OVERLIMIT',
                'recipient', 'employee'
            ),
            'dedupe_key', format('day_locked:%s:2026-11-20:BREAK_OVERLIMIT:0:%s', :'moe', :'moe')
        ),
        jsonb_build_object(
            'kind', 'DAY_LOCKED', 'employee_id', :'nia',
            'text', (select full_name from app.employees where id = :'moe')
                || '''s day 2026-11-20 was locked: breaks went over the day''s break allowance. '
                || 'You can unlock it from the Hithonix home tab in Slack.',
            'context', jsonb_build_object(
                'employee_id', :'moe', 'business_date_ist', '2026-11-20', 'lock_reason', 'BREAK_OVERLIMIT',
                'recipient', 'approver'
            ),
            'dedupe_key', format('day_locked:%s:2026-11-20:BREAK_OVERLIMIT:0:%s', :'moe', :'nia')
        )
    ],
    'the employee''s notice, then the approver''s: recipient, text, context and dedupe key as sent'
);

select tests.authenticate_as('employee', :'nia');
select throws_ok(
    format('select app.enqueue_notification(%L, %L, %L)', :'nia', 'DAY_LOCKED', 'x'),
    '42501', null, 'an employee cannot queue a notice directly'
);
select tests.clear_authentication();
set local role hithonix_worker;
select lives_ok('select * from pgmq.read(''notifications'', 0, 1)', 'the worker reads the queue');
select throws_ok(
    format('select app.enqueue_notification(%L, %L, %L)', :'nia', 'DAY_LOCKED', 'x'),
    '42501', null, 'the worker cannot queue notices'
);
reset role;

select * from finish();
rollback;
