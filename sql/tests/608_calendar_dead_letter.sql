-- The calendar worker's dead-letter step: a calendar_sync message read more
-- than max_reads times moves to calendar_sync_dlq with its read count and
-- error, its request becomes FAILED; a message not yet over the limit stays;
-- only hithonix_worker may call it.
begin;
select plan(10);

select tests.create_employee('dl_boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('dl@example.com', :'boss') as dl \gset
select tests.next_monday() as mon \gset
select pgmq.purge_queue('calendar_sync');
select pgmq.purge_queue('calendar_sync_dlq');

select tests.authenticate_as('employee', :'dl');
select (api.request_leave('UNPAID', :'mon', :'mon') ->> 'id')::bigint as r1 \gset
select tests.authenticate_as('approver', :'boss');
select api.approve_leave(:r1, 'approved');
select tests.clear_authentication();
select msg_id as m1 from pgmq.q_calendar_sync \gset

set local role hithonix_worker;
select app.record_calendar_sync_v1(:r1, 'PENDING', null, 'ServiceUnavailable: try later');
select count(*) from pgmq.read('calendar_sync', 0, 1);
select count(*) from pgmq.read('calendar_sync', 0, 1);
select count(*) from pgmq.read('calendar_sync', 0, 1);
select is(app.calendar_dead_letter_v1(:m1, 3), false, 'a message read 3 times is not over the limit of 3');
select is((select count(*)::int from pgmq.q_calendar_sync), 1, 'and stays in calendar_sync');
select count(*) from pgmq.read('calendar_sync', 0, 1);
select is(app.calendar_dead_letter_v1(:m1, 3), true, 'read a 4th time, it is moved');
select is((select count(*)::int from pgmq.q_calendar_sync), 0, 'out of calendar_sync');
select results_eq(
    $$select (message ->> 'leave_request_id')::bigint, (message ->> 'read_ct')::int, message ->> 'action' from pgmq.q_calendar_sync_dlq$$,
    format($$values (%s::bigint, 4, 'create'::text)$$, :r1),
    'into calendar_sync_dlq with the request, the action and the read count'
);
select is(
    (select calendar_sync_status from app.leave_requests where id = :r1), 'FAILED', 'the request is marked FAILED'
);
select matches(
    (select calendar_last_error from app.leave_requests where id = :r1),
    '^DEAD_LETTERED: read 4 times without success; last error: ServiceUnavailable',
    'with the reason and the last error, for hr_admin'
);
select is(app.calendar_dead_letter_v1(:m1, 3), false, 'a second call finds nothing to move');
reset role;

set local role hr_admin;
select throws_ok(format($$select app.calendar_dead_letter_v1(%s, 3)$$, :m1), '42501', null, 'hr_admin cannot call the worker''s function');
reset role;
set local role employee;
select throws_ok(format($$select app.calendar_dead_letter_v1(%s, 0)$$, :m1), '42501', null, 'nor can an employee');
reset role;

select * from finish();
rollback;
