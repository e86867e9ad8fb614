-- The Slack app's API (issue 16): api.my_day offers exactly the punches the
-- state machine accepts and writes nothing; a CLOCK_IN records the language
-- model's second opinion (SKIPPED with its reason when the model failed) but
-- the SQL rules still decide; only the worker may resolve a Slack identity.
begin;
select plan(16);

select tests.create_employee('maya@example.com') as maya \gset
update app.employees set slack_user_id = 'U0MAYA' where id = :'maya';
select max(id) as before_event from app.attendance_events \gset
select count(*) as before_msgs from pgmq.q_keka_sync \gset

select tests.authenticate_as('employee', :'maya');
select is(api.my_day() -> 'next_actions', '["CLOCK_IN"]', 'off duty: only Start Shift');
select is(
    api.my_day() -> 'refused' -> 'BREAK_END',
    '{"code": "NOT_CLOCKED_IN", "message": "You are not clocked in."}',
    'a refused punch comes with its code and sentence'
);
select tests.clear_authentication();
select is(
    (select count(*) from app.attendance_events where employee_id = :'maya'), 0::bigint,
    'trying the punches keeps no event'
);
select is((select count(*) from pgmq.q_keka_sync), :'before_msgs'::bigint, 'and no outbox message');
select tests.authenticate_as('employee', :'maya');

select lives_ok(
    $$select api.clock_in(tests.plan(), source => 'slack', second_opinion => '{"status": "PASSED", "model": "m"}')$$,
    'a clock-in with the model''s agreement'
);
select is(
    (select payload from app.attendance_events where employee_id = :'maya'),
    jsonb_build_object(
        'plan', tests.plan(), 'gatekeeper_status', 'PASSED', 'second_opinion', '{"status": "PASSED", "model": "m"}'::jsonb
    ),
    'the verdict is in the payload'
);
select is(
    api.my_day() -> 'next_actions', '["BREAK_START", "LUNCH_START", "CLOCK_OUT"]',
    'on shift: Break, Lunch, End Shift'
);
select is(api.my_day() ->> 'current_status', 'ON_SHIFT', 'my_day shows the state');
select lives_ok($$select api.break_start()$$, 'break');
select is(api.my_day() -> 'next_actions', '["BREAK_END"]', 'on a break: only End Break');
select tests.clear_authentication();

-- the model timed out: SKIPPED with the reason, the clock-in stands
select tests.create_employee('omar@example.com') as omar \gset
select tests.authenticate_as('employee', :'omar');
select is(
    api.clock_in(
        tests.plan(), source => 'slack',
        second_opinion => '{"status": "SKIPPED", "reason": "MODEL_TIMEOUT: no answer within 2 s"}'
    ) -> 'event' -> 'payload' ->> 'gatekeeper_reason',
    'MODEL_TIMEOUT: no answer within 2 s', 'a failed model: SKIPPED with the reason recorded'
);
select tests.clear_authentication();
select tests.create_employee('pia@example.com') as pia \gset
select tests.authenticate_as('employee', :'pia');
select throws_ok(
    $$select api.clock_in('asdf qwer zxcv', second_opinion => '{"status": "PASSED"}')$$,
    'PT422', 'SHIFT_PLAN_INVALID', 'an opinion cannot pass a plan the rules refuse'
);
select throws_ok(
    $$select api.clock_in(tests.plan(), second_opinion => '{"status": "WHATEVER"}')$$,
    'PT422', 'INVALID_ARGUMENT', 'a malformed opinion is refused'
);
select throws_ok(
    $$select app.slack_identity_v1('U0MAYA')$$, '42501', null, 'an employee cannot resolve Slack identities'
);
select tests.clear_authentication();

set local role hithonix_worker;
select is(
    app.slack_identity_v1('U0MAYA'),
    jsonb_build_object('employee_id', :'maya', 'role', 'employee', 'active', true, 'full_name', 'maya'),
    'the worker resolves a Slack user to the employee'
);
select is(app.slack_identity_v1('U0NOBODY'), null, 'an unknown Slack user is null');
reset role;

select * from finish();
rollback;
