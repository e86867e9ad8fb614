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

-- events: hr_admin all; a person the events they are expected at (and their own attendee rows)
grant select on app.events, app.event_attendees to employee, approver, hr_admin;

drop policy if exists events_all on app.events;
create policy events_all on app.events for select to hr_admin
using (true);

drop policy if exists events_expected on app.events;
create policy events_expected on app.events for select to employee, approver
using (exists (
    select 1 from app.event_attendees as a
    where a.event_id = events.id and a.employee_id = (select app.current_employee_id())
));

drop policy if exists event_attendees_all on app.event_attendees;
create policy event_attendees_all on app.event_attendees for select to hr_admin
using (true);

drop policy if exists event_attendees_own on app.event_attendees;
create policy event_attendees_own on app.event_attendees for select to employee, approver
using (employee_id = (select app.current_employee_id()));
