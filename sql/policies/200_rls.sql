-- Row-level security: RLS is enabled on every app table (in sql/schema); these
-- policies say which rows each role sees. employee: own; approver: own plus the
-- whole chain below them; hr_admin: all. kiosk and anon: none.
-- Functions in the predicates are wrapped in (select …) so they run once per
-- query (an InitPlan), not once per row.

drop policy if exists employees_own on app.employees;
create policy employees_own on app.employees for select to employee
using (id = (select app.current_employee_id()));

drop policy if exists employees_chain on app.employees;
create policy employees_chain on app.employees for select to approver
using (id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists employees_all on app.employees;
create policy employees_all on app.employees for select to hr_admin
using (true);

drop policy if exists events_own on app.attendance_events;
create policy events_own on app.attendance_events for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists events_chain on app.attendance_events;
create policy events_chain on app.attendance_events for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists events_all on app.attendance_events;
create policy events_all on app.attendance_events for select to hr_admin
using (true);

drop policy if exists daily_status_own on app.daily_status;
create policy daily_status_own on app.daily_status for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists daily_status_chain on app.daily_status;
create policy daily_status_chain on app.daily_status for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists daily_status_all on app.daily_status;
create policy daily_status_all on app.daily_status for select to hr_admin
using (true);

drop policy if exists audit_logs_all on app.audit_logs;
create policy audit_logs_all on app.audit_logs for select to hr_admin
using (true);

drop policy if exists day_unlocks_all on app.day_unlocks;
create policy day_unlocks_all on app.day_unlocks for select to hr_admin
using (true);

drop policy if exists settings_read on app.settings;
create policy settings_read on app.settings for select to hr_admin
using (true);

drop policy if exists settings_merged_read on app.settings_merged;
create policy settings_merged_read on app.settings_merged for select to hr_admin
using (true);
