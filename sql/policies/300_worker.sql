-- hithonix_worker, in the spirit of the company's 018_worker_privileges.sql:
-- read what it syncs, update only the sync columns, use its two queues and
-- procrastinate's tables, cache the Keka token. Nothing else.

grant select (
    id, employee_id, event_type, occurred_at, recorded_at, business_date_ist,
    sync_status, attempt_count, last_sync_error, last_attempt_at, synced_at, keka_ref
) on app.attendance_events to hithonix_worker;
grant update (
    sync_status, attempt_count, last_sync_error, last_attempt_at, synced_at, keka_ref
) on app.attendance_events to hithonix_worker;
grant select (id, attendance_number) on app.employees to hithonix_worker;
grant select, insert, update on app.keka_tokens to hithonix_worker;
grant select on app.keka_employee_imports to hithonix_worker;

drop policy if exists events_worker_read on app.attendance_events;
create policy events_worker_read on app.attendance_events for select to hithonix_worker
using (true);
drop policy if exists events_worker_sync on app.attendance_events;
create policy events_worker_sync on app.attendance_events for update to hithonix_worker
using (true) with check (true);
drop policy if exists employees_worker_read on app.employees;
create policy employees_worker_read on app.employees for select to hithonix_worker
using (true);
drop policy if exists keka_tokens_worker on app.keka_tokens;
create policy keka_tokens_worker on app.keka_tokens for all to hithonix_worker
using (true) with check (true);
drop policy if exists employee_imports_worker on app.keka_employee_imports;
create policy employee_imports_worker on app.keka_employee_imports for select to hithonix_worker
using (true);
drop policy if exists employee_imports_admin on app.keka_employee_imports;
create policy employee_imports_admin on app.keka_employee_imports for select to hr_admin
using (true);
grant select on app.keka_employee_imports to hr_admin;

-- its queues (pgmq's functions are security invoker: the table grants are the wall)
grant usage on schema pgmq to hithonix_worker;
grant select, insert, update, delete on pgmq.q_keka_sync, pgmq.q_keka_sync_dlq to hithonix_worker;
grant select, insert on pgmq.a_keka_sync, pgmq.a_keka_sync_dlq to hithonix_worker;
grant select on pgmq.meta to hithonix_worker;
grant usage, select on all sequences in schema pgmq to hithonix_worker;
grant execute on all functions in schema pgmq to hithonix_worker;

-- procrastinate's job tables
grant usage on schema procrastinate to hithonix_worker;
grant select, insert, update, delete on all tables in schema procrastinate to hithonix_worker;
grant usage, select on all sequences in schema procrastinate to hithonix_worker;
grant execute on all functions in schema procrastinate to hithonix_worker;

-- the notification outbox (app.enqueue_notification fills it; the worker drains it)
grant select, insert, update, delete on pgmq.q_notifications, pgmq.q_notifications_dlq to hithonix_worker;
grant select, insert on pgmq.a_notifications, pgmq.a_notifications_dlq to hithonix_worker;
