-- Bulk ingest (issue 11, part 3): app.daily_status.employee_id is checked once
-- per statement instead of once per row, as the ledger's since 0165. The
-- foreign key fired one RI query per stored day (a 100,000-event bulk insert
-- stores ~17,000 days: ~0.1 s of CPU); the triggers of
-- sql/triggers/105_ledger_employee_ref.sql check the same thing set-based.
alter table app.daily_status drop constraint daily_status_employee_id_fkey;
