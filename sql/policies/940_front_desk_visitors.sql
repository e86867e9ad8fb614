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

-- the duty roster is a company fact every person may read; lockups are hr_admin's
grant select on app.duty_roster to employee, approver, hr_admin;

drop policy if exists duty_roster_read on app.duty_roster;
create policy duty_roster_read on app.duty_roster for select to employee, approver, hr_admin
using (true);

grant select on app.lockups to hr_admin;

drop policy if exists lockups_all on app.lockups;
create policy lockups_all on app.lockups for select to hr_admin
using (true);
