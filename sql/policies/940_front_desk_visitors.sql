-- Visitors, duty roster, lockups and events (issue 15 parts 4-6): who reads
-- which rows. Clients write nothing directly: sign-in/out, the roster, lockups
-- and events go through the SECURITY DEFINER app functions.
-- (100_grants.sql revokes everything on app tables first, on every run.)
-- The kiosk reads none of these tables: it signs visitors in and out only.

-- visitors: hr_admin all; a host their own visitors
grant select on app.visitors to employee, approver, hr_admin;

drop policy if exists visitors_all on app.visitors;
create policy visitors_all on app.visitors for select to hr_admin
using (true);

drop policy if exists visitors_host on app.visitors;
create policy visitors_host on app.visitors for select to employee, approver
using (host_employee_id = (select app.current_employee_id()));
