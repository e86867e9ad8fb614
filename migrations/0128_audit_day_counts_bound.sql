-- The per-day audit counts' action gets its length bound, like every text
-- column of app (sql/tests/160_bounds.sql); 0127 shipped without it.
alter table app.audit_log_day_counts
add constraint audit_log_day_counts_action_length check (length(action) <= 64);
