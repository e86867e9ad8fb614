-- The push queue's depths (app.queue_depths_v1('keka_sync'): the worker's gauges and
-- sync_overview) are pgmq's queue_length of keka_sync and keka_sync_dlq,
-- counted without reading the queue's heap for message ages; the worker may
-- read them, the client roles may not (HR reads them through sync_overview).
begin;
select plan(10);

select tests.create_employee('qd@example.com') as qd \gset
select tests.create_employee('hr-qd@example.com', null, 'hr_admin') as hr \gset
select tests.allow_backdating();
-- five Keka-bound events (five messages), then a queue that grew and shrank:
-- 300 messages sent and deleted, two dead letters
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
select :'qd', t, tests.ist('2026-11-' || d || ' 10:00') + (case t when 'CLOCK_OUT' then interval '9 hours' else interval '0' end), 'import', 'test'
from generate_series(10, 12) as d, unnest(array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[]) as t
where not (d = 12 and t = 'CLOCK_OUT')
order by d, t;
select pgmq.delete('keka_sync', array(
    select s.id from pgmq.send_batch('keka_sync', array(
        select jsonb_build_object('event_id', -g) from generate_series(1, 300) as g
    )) as s (id)
));
select pgmq.send('keka_sync_dlq', '{"event_id": -1}');
select pgmq.send('keka_sync_dlq', '{"event_id": -2}');

select is(
    (select (d.queue_depth, d.dlq_depth)::text from app.queue_depths_v1('keka_sync') as d),
    (select (q.queue_length, l.queue_length)::text from pgmq.metrics('keka_sync') as q, pgmq.metrics('keka_sync_dlq') as l),
    'the depths are pgmq''s queue_length of both queues'
);
select is(
    (select (d.queue_depth, d.dlq_depth)::text from app.queue_depths_v1('keka_sync') as d),
    (select ((select count(*) from pgmq.q_keka_sync), 2)::text),
    'messages sent and deleted are not counted; dead letters are'
);

set local role hithonix_worker;
select is(
    (select d.dlq_depth from app.queue_depths_v1('keka_sync') as d), 2::bigint, 'the worker reads them (its gauges)'
);
reset role;

select (q.queue_length, l.queue_length)::text as depths
from pgmq.metrics('keka_sync') as q, pgmq.metrics('keka_sync_dlq') as l \gset
select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select (o.queue_depth, o.dlq_depth)::text from api.sync_overview as o), :'depths',
    'sync_overview shows the same depths to HR'
);
select throws_ok(
    $$select * from app.queue_depths_v1('keka_sync')$$, '42501', null, 'HR does not call the worker''s function directly'
);
select tests.clear_authentication();
select tests.authenticate_as('employee', :'qd');
select throws_ok($$select * from app.queue_depths_v1('keka_sync')$$, '42501', null, 'an employee cannot');
select throws_ok($$select * from api.sync_overview$$, '42501', null, 'nor read sync_overview');
select tests.clear_authentication();

-- the calendar worker's gauges, the same way
select pgmq.delete('calendar_sync', array(
    select s.id from pgmq.send_batch('calendar_sync', array(
        select jsonb_build_object('leave_request_id', -g) from generate_series(1, 50) as g
    )) as s (id) limit 40
));
select pgmq.send('calendar_sync_dlq', '{"leave_request_id": -1}');
set local role hithonix_worker;
select is(
    (select (d.queue_depth, d.dlq_depth)::text from app.queue_depths_v1('calendar_sync') as d),
    (select (q.queue_length, l.queue_length)::text
     from pgmq.metrics('calendar_sync') as q, pgmq.metrics('calendar_sync_dlq') as l),
    'the calendar queue''s depths are pgmq''s queue_length too (the worker reads them)'
);
reset role;
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    $$select * from app.queue_depths_v1('calendar_sync')$$, '42501', null, 'HR does not call the calendar worker''s function'
);
select tests.clear_authentication();

set local role hithonix_worker;
select throws_ok(
    $$select * from app.queue_depths_v1('q_keka_sync; drop table x')$$, 'PT422', 'INVALID_ARGUMENT',
    'only the two workers'' queues are counted (the name is never spliced in)'
);
reset role;

select * from finish();
rollback;
