-- hithonix_worker: reads what it syncs, updates only the sync columns, uses
-- its queues, procrastinate's tables and keka_tokens — and nothing else.
begin;
select plan(22);

select tests.create_employee('wes@example.com') as wes \gset
select tests.allow_backdating();
select tests.authenticate_as('employee', :'wes');
select (api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00')) -> 'event' ->> 'id')::bigint as ev \gset
select tests.clear_authentication();

set local role hithonix_worker;
-- allowed
select is((select sync_status::text from app.attendance_events where id = :ev), 'PENDING', 'reads the sync state of an event');
select is((select attendance_number from app.employees where id = :'wes'), 'A-wes', 'reads the attendance number');
select lives_ok(format($$update app.attendance_events set sync_status = 'FAILED', attempt_count = 1, last_sync_error = 'x' where id = %s$$, :ev), 'updates the sync columns');
select ok((select count(*) from pgmq.read('keka_sync', 30, 10)) = 1, 'reads its queue');
select lives_ok($$select pgmq.send('keka_sync_dlq', '{"event_id": 0}')$$, 'writes its dead-letter queue');
select lives_ok($$insert into app.keka_tokens (name, access_token, expires_at) values ('hris', 't', now())$$, 'caches a token');
select lives_ok($$select count(*) from procrastinate.procrastinate_jobs$$, 'uses procrastinate''s tables');
select lives_ok($$select count(*) from app.keka_employee_imports$$, 'reads the import log');
-- refused
select throws_ok(format($$update app.attendance_events set occurred_at = now() where id = %s$$, :ev), '42501', null, 'cannot update occurred_at');
select throws_ok(format($$update app.attendance_events set employee_id = gen_random_uuid() where id = %s$$, :ev), '42501', null, 'cannot update employee_id');
select throws_ok(format($$update app.attendance_events set business_date_ist = '2020-01-01' where id = %s$$, :ev), '42501', null, 'cannot update business_date_ist');
select throws_ok($$delete from app.attendance_events$$, '42501', null, 'cannot delete events');
select throws_ok($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values (gen_random_uuid(), 'CLOCK_IN', now(), 'import', 'w')$$, '42501', null, 'cannot insert events');
select throws_ok($$select payload from app.attendance_events$$, '42501', null, 'cannot read payloads (plans, notes)');
select throws_ok($$select email from app.employees$$, '42501', null, 'cannot read employees'' e-mails');
select throws_ok($$select * from app.daily_status$$, '42501', null, 'cannot read daily_status');
select throws_ok($$select * from app.audit_logs$$, '42501', null, 'cannot read audit_logs');
select throws_ok($$select * from app.settings$$, '42501', null, 'cannot read settings');
select throws_ok($$update app.employees set full_name = 'x'$$, '42501', null, 'cannot change employees');
select throws_ok($$select api.health()$$, '42501', null, 'has no api access');
select throws_ok($$create table app.worker_scratch (id int)$$, '42501', null, 'cannot create tables');
reset role;
select is(
    (select has_sync_errors from app.daily_status where employee_id = :'wes'), true,
    'the worker''s FAILED update set has_sync_errors through the definer trigger'
);

select * from finish();
rollback;
