-- Bulk ingest (issue 11, part 3): app.attendance_events.employee_id is checked
-- once per statement instead of once per row. The foreign key fired one RI
-- query per ledger row (~0.7 s of CPU of a 100,000-event bulk insert); the
-- statement triggers of sql/triggers/105_ledger_employee_ref.sql check the
-- same thing set-based (every new row's employee exists, KEY SHARE-locked as
-- the RI check locked it; a referenced employee is never deleted, its id never
-- changes, employees are never truncated under the ledger).
alter table app.attendance_events drop constraint attendance_events_employee_id_fkey;
