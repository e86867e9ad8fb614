-- Benchmark findings (bench/, issue 6):
-- * the partial unsynced index kept dead PENDING entries until autovacuum, which
--   waited for 20% of the ledger to change: vacuum after a fixed 20,000 changes;
-- * the status board for an approver's chain filtered every row of the date:
--   index (business_date_ist, employee_id) instead of (business_date_ist).

alter table app.attendance_events set (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000
);

drop index if exists app.daily_status_date_idx;
create index daily_status_date_employee_idx on app.daily_status (business_date_ist, employee_id);
