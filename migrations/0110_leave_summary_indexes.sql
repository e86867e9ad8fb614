-- leave_summary at 10,000 employees x one year (issue 12, bench/leave): the
-- report aggregated 220,000 ledger rows through a 30,000-group hash table
-- (about 1 s). It now streams them in (employee_id, policy_code) order from an
-- index-only scan into a GroupAggregate, merge-joined with the pending
-- requests, and needs:
-- * the balance index covering entry_type and days (same key, so one employee's
--   balance lookups keep it);
-- * a covering partial index of the pending requests per employee and policy
--   (also the pending column of api.leave_balances);
-- * the append-only ledger vacuumed often enough for index-only scans to skip
--   the heap (autovacuum's insert trigger: every 10,000 rows, not 20% of the table).

drop index if exists app.leave_ledger_balance_idx;
create index leave_ledger_balance_idx on app.leave_ledger (employee_id, policy_code, effective_date)
include (entry_type, days);

create index leave_requests_pending_idx on app.leave_requests (employee_id, policy_code)
include (start_date, days)
where status = 'PENDING';

alter table app.leave_ledger set (
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000
);
