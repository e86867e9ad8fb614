-- Review fixes:
-- * app.tg_add was not a trigger function, yet carried the tg_ prefix the style
--   reserves for them; it is app.add_code now (re-created by the repeatable SQL).
--   The api.daily_status view that used it is rebuilt by the repeatable SQL too.
-- * an employee's e-mail must look like one: a constraint, not only a check in
--   app.upsert_employee, so Keka imports and owner scripts are held to it too.

drop function if exists app.tg_add(text[], text) cascade;

alter table app.employees add constraint employees_email_format check (email ~ '^[^@\s]+@[^@\s]+$');
