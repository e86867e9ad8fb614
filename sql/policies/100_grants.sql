-- Table and schema privileges, declared in full on every run: everything is
-- revoked first, then each role gets exactly what it needs. Writes go through
-- SECURITY DEFINER functions, so no client role can write any table directly.

revoke all on all tables in schema app from public, anon, employee, approver, hr_admin, kiosk,
hithonix_worker, authenticator;
revoke all on all sequences in schema app from public, anon, employee, approver, hr_admin, kiosk,
hithonix_worker, authenticator;

grant usage on schema app to anon, employee, approver, hr_admin, kiosk, hithonix_worker;
grant usage on schema api to anon, employee, approver, hr_admin, kiosk;

-- readers (rows decided by RLS; see 200_rls.sql)
grant select on app.employees, app.attendance_events, app.daily_status
to employee, approver, hr_admin;
grant select on app.audit_logs, app.day_unlocks, app.settings, app.settings_merged to hr_admin;
