-- Leave: who reads which rows, and the worker's narrow rights on the calendar
-- sync columns and queues. Clients write nothing directly: requests, decisions,
-- adjustments and maintenance go through the SECURITY DEFINER app functions.
-- (100_grants.sql revokes everything on app tables first, on every run.)

-- policies and holidays are company-wide facts every person may read
grant select on app.leave_policies, app.holidays to employee, approver, hr_admin;

drop policy if exists leave_policies_read on app.leave_policies;
create policy leave_policies_read on app.leave_policies for select to employee, approver, hr_admin
using (true);

drop policy if exists holidays_read on app.holidays;
create policy holidays_read on app.holidays for select to employee, approver, hr_admin
using (true);

-- requests and ledger: own; approver: own + chain; hr_admin: all
grant select on app.leave_requests, app.leave_ledger, app.leave_balances to employee, approver, hr_admin;

drop policy if exists leave_requests_own on app.leave_requests;
create policy leave_requests_own on app.leave_requests for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists leave_requests_chain on app.leave_requests;
create policy leave_requests_chain on app.leave_requests for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists leave_requests_all on app.leave_requests;
create policy leave_requests_all on app.leave_requests for select to hr_admin
using (true);

drop policy if exists leave_ledger_own on app.leave_ledger;
create policy leave_ledger_own on app.leave_ledger for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists leave_ledger_chain on app.leave_ledger;
create policy leave_ledger_chain on app.leave_ledger for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists leave_ledger_all on app.leave_ledger;
create policy leave_ledger_all on app.leave_ledger for select to hr_admin
using (true);

-- the worker: what a calendar event needs, and only the calendar_* columns to write
grant select (
    employee_id, id, policy_code, start_date, end_date, half_day_start, half_day_end, status,
    calendar_event_id, calendar_sync_status, calendar_last_error, calendar_attempt_count, calendar_synced_at
) on app.leave_requests to hithonix_worker;
grant update (
    calendar_event_id, calendar_sync_status, calendar_last_error, calendar_attempt_count, calendar_synced_at
) on app.leave_requests to hithonix_worker;

drop policy if exists leave_requests_worker_read on app.leave_requests;
create policy leave_requests_worker_read on app.leave_requests for select to hithonix_worker
using (true);
drop policy if exists leave_requests_worker_sync on app.leave_requests;
create policy leave_requests_worker_sync on app.leave_requests for update to hithonix_worker
using (true) with check (true);

grant select, insert, update, delete on pgmq.q_calendar_sync, pgmq.q_calendar_sync_dlq to hithonix_worker;
grant select, insert on pgmq.a_calendar_sync, pgmq.a_calendar_sync_dlq to hithonix_worker;
