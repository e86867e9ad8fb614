-- The calendar outbox: approve puts a create message on calendar_sync and
-- cancel a delete message, in the deciding transaction (a refused decision
-- leaves none); only hithonix_worker writes the calendar_* columns (column
-- grants, both ways); the worker's _v1 functions; hr_admin's re-enqueue.
begin;
select plan(31);

select tests.create_employee('cal_boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('cal@example.com', :'boss') as cal \gset
select tests.create_employee('cal_hr@example.com', null, 'hr_admin') as hr \gset
select tests.next_monday() as mon \gset
select tests.grant_leave(:'cal', 'ANNUAL', 4);
select pgmq.purge_queue('calendar_sync');

select ok(exists (select 1 from pgmq.meta where queue_name = 'calendar_sync'), 'queue calendar_sync exists');
select ok(exists (select 1 from pgmq.meta where queue_name = 'calendar_sync_dlq'), 'and its dead-letter queue');

select tests.authenticate_as('employee', :'cal');
select (api.request_leave('ANNUAL', :'mon', :'mon', false, false, 'trip') ->> 'id')::bigint as r1 \gset
select (api.request_leave('ANNUAL', (:'mon'::date + 7), (:'mon'::date + 9)) ->> 'id')::bigint as r2 \gset
select tests.clear_authentication();
select is((select count(*)::int from pgmq.q_calendar_sync), 0, 'a request alone sends nothing');
select tests.grant_leave(:'cal', 'ANNUAL', -2);
select tests.authenticate_as('approver', :'boss');
select throws_ok(format($$select api.approve_leave(%s, 'approved')$$, :r2), 'PT409', 'LEAVE_BALANCE_INSUFFICIENT', 'an approval that fails...');
select api.approve_leave(:r1, 'approved');
select tests.clear_authentication();
select results_eq(
    $$select message from pgmq.q_calendar_sync order by msg_id$$,
    format($$values (jsonb_build_object('action', 'create', 'leave_request_id', %s, 'employee_id', %L))$$, :r1, :'cal'),
    '...sends nothing; the approval sent exactly one create message with the request and employee ids'
);
select is((tests.leave_request(:r1)).calendar_sync_status, 'PENDING', 'the request waits for its calendar event');

-- the worker's view of it
set local role hithonix_worker;
select results_eq(
    format($$select user_id, full_name, policy_name, start_date, end_date, half_day_start, half_day_end, request_status from app.calendar_sync_item_v1(%s)$$, :r1),
    format($$values ('cal@example.com'::text, 'cal'::text, 'Annual leave'::text, %L::date, %L::date, false, false, 'APPROVED'::text)$$, :'mon', :'mon'),
    'calendar_sync_item_v1 gives the worker the Graph user (e-mail), name, subject, dates and state'
);
select is(
    (select transaction_id from app.calendar_sync_item_v1(:r1)), (select transaction_id from app.calendar_sync_item_v1(:r1)),
    'the transaction id is the same on every call (a retried create is de-duplicated by Graph)'
);
select isnt(
    (select transaction_id from app.calendar_sync_item_v1(:r1)), (select transaction_id from app.calendar_sync_item_v1(:r2)),
    'and differs between requests'
);
select is(app.record_calendar_sync_v1(:r1, 'PENDING', null, 'HTTP 503') ->> 'calendar_sync_status', 'PENDING', 'a transient failure is recorded');
select is(app.record_calendar_sync_v1(:r1, 'SYNCED', 'AAMkAD-evt-1', null) ->> 'calendar_event_id', 'AAMkAD-evt-1', 'a created event is recorded');
select is((select calendar_attempt_count from app.leave_requests where id = :r1), 2, 'attempts are counted');
select throws_ok(format($$select app.record_calendar_sync_v1(%s, 'NOT_REQUIRED', null, null)$$, :r1), 'PT422', 'INVALID_ARGUMENT', 'an unknown sync status is refused');
select lives_ok(format($$update app.leave_requests set calendar_last_error = 'x' where id = %s$$, :r1), 'the worker may update the sync columns directly');
select throws_ok(format($$update app.leave_requests set status = 'CANCELLED' where id = %s$$, :r1), '42501', null, 'but not the status');
select throws_ok(format($$update app.leave_requests set end_date = end_date + 5 where id = %s$$, :r1), '42501', null, 'nor the dates');
select throws_ok($$insert into app.leave_requests (employee_id, policy_code, start_date, end_date, days, requested_by) values (gen_random_uuid(), 'ANNUAL', current_date, current_date, 1, 'w')$$, '42501', null, 'nor insert requests');
select throws_ok($$select reason from app.leave_requests$$, '42501', null, 'nor read the employee''s reason');
select throws_ok($$select * from app.leave_ledger$$, '42501', null, 'nor read the leave ledger');
reset role;

-- the other way: no client role writes the sync columns
set local role hr_admin;
select throws_ok(format($$update app.leave_requests set calendar_sync_status = 'SYNCED' where id = %s$$, :r2), '42501', null, 'hr_admin cannot write the sync columns');
select throws_ok(format($$select app.record_calendar_sync_v1(%s, 'SYNCED', 'x', null)$$, :r2), '42501', null, 'nor call the worker''s record function');
reset role;
set local role employee;
select throws_ok(format($$update app.leave_requests set calendar_event_id = 'x' where id = %s$$, :r1), '42501', null, 'an employee cannot write the sync columns');
select throws_ok(format($$select * from app.calendar_sync_item_v1(%s)$$, :r1), '42501', null, 'nor read another''s e-mail through the worker''s function');
reset role;

-- cancel sends the delete; a create that lands after a cancel is deleted too
select pgmq.purge_queue('calendar_sync');
select tests.authenticate_as('employee', :'cal');
select api.cancel_leave(:r1, 'trip cancelled');
select tests.clear_authentication();
select results_eq(
    $$select message ->> 'action', (message ->> 'leave_request_id')::bigint from pgmq.q_calendar_sync$$,
    format($$values ('delete'::text, %s::bigint)$$, :r1),
    'cancelling approved leave sent one delete message'
);
select is((tests.leave_request(:r1)).calendar_sync_status, 'DELETE_PENDING', 'and marked the event for deletion');
select pgmq.purge_queue('calendar_sync');
set local role hithonix_worker;
select is(app.record_calendar_sync_v1(:r1, 'SYNCED', 'AAMkAD-late', null) ->> 'calendar_sync_status', 'DELETE_PENDING', 'a create that completes after the cancel is kept for deletion...');
reset role;
select is((select count(*)::int from pgmq.q_calendar_sync where message ->> 'action' = 'delete'), 1, '...with a delete message');

-- hr_admin's re-enqueue
select pgmq.purge_queue('calendar_sync');
select tests.authenticate_as('hr_admin', :'hr');
select is(api.calendar_sync(array[:r1, :r2]) -> 'enqueued', format('[%s]', :r1)::jsonb, 'hr_admin re-enqueues unfinished calendar work (not a pending request)');
select throws_ok(format($$select api.calendar_sync(array[%s])$$, :r1), 'PT409', 'NOTHING_TO_SYNC', 'a request whose message is already queued is not queued twice');
select throws_ok($$select api.calendar_sync(array(select generate_series(1, 1001)::bigint))$$, 'PT422', 'INVALID_ARGUMENT', 'at most 1000 ids');
select tests.authenticate_as('approver', :'boss');
select throws_ok(format($$select api.calendar_sync(array[%s])$$, :r1), '42501', null, 'only hr_admin re-enqueues');
select tests.clear_authentication();

select * from finish();
rollback;
