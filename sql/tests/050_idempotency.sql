-- Idempotency: the same key and request returns the original result and adds
-- nothing; the same key with a different request is refused.
begin;
select plan(6);

select tests.allow_backdating();
select tests.create_employee('ida@example.com') as ida \gset
select tests.create_employee('ivo@example.com') as ivo \gset
select tests.authenticate_as('employee', :'ida');

select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'), 'key-1') -> 'event' ->> 'id' as first_id \gset
select is(
    api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'), 'key-1') -> 'event' ->> 'id',
    :'first_id',
    'a replay returns the original event'
);
select is(
    (api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'), 'key-1') ->> 'replayed')::boolean,
    true,
    'and says it was a replay'
);
select throws_ok(
    $$select api.clock_in('A different plan for the whole day today', tests.ist('2026-11-20 10:00'), 'key-1')$$,
    'PT409', 'IDEMPOTENCY_KEY_REUSED', 'same key, different request → IDEMPOTENCY_KEY_REUSED'
);
select throws_ok(
    $$select api.clock_out(tests.ist('2026-11-20 19:00'), 'key-1')$$,
    'PT409', 'IDEMPOTENCY_KEY_REUSED', 'same key on another endpoint → IDEMPOTENCY_KEY_REUSED'
);
select tests.clear_authentication();
select is((select count(*)::integer from app.attendance_events where employee_id = :'ida'), 1, 'replays added nothing');

-- keys are per employee: another employee may use the same key
select tests.authenticate_as('employee', :'ivo');
select lives_ok(
    $$select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'), 'key-1')$$,
    'another employee''s key-1 is a different request'
);

select * from finish();
rollback;
