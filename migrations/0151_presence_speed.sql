-- Presence board speed (issue 15 follow-ups, desk3). app.presence_rows takes
-- today's date and the open-shift cutoff as values (new signature: the old one
-- is dropped so no overload is left), and the employees join reads a narrow
-- covering index. See sql/schema/100_employees.sql and
-- sql/functions/930_presence.sql.
drop function if exists app.presence_rows(text, boolean, uuid[], interval);

create index employees_presence_idx on app.employees (id) include (department, full_name);
