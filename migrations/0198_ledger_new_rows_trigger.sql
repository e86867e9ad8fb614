-- The ledger's four AFTER INSERT statement triggers become one,
-- _020_new_rows (sql/triggers/100_attendance_events.sql), which decides from
-- the statement's rows whether anything is left to do. The WHENs of the four
-- read settings once, when the statement's AFTER events were queued, and a
-- later row's expression in the same INSERT could set them after an earlier
-- row's BEFORE trigger ran (a check, a replay or a message skipped).
drop trigger if exists _020_employee_exists on app.attendance_events;
drop trigger if exists _050_period_lock on app.attendance_events;
drop trigger if exists _500_derive on app.attendance_events;
drop trigger if exists _900_enqueue on app.attendance_events;
drop function if exists app.tg_attendance_events__derive();
drop function if exists app.tg_attendance_events__enqueue();
