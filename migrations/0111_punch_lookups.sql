-- Two costs on every live punch (issue 11).
--
-- The shift-edge lookup (which open CLOCK_IN owns a punch: app.apply_live_punch
-- on every live punch, app.business_date_for on every admin event) orders by
-- (occurred_at desc, id desc) and stops at the first edge that is not voided.
-- The index ended at occurred_at, so the id tie-break forced a sort of the
-- employee's whole edge history on every punch: the punch grew slower with each
-- shift an employee worked (0.75 ms at 120 edges). With id in the key the scan
-- reads one or two index entries at any history length.

drop index if exists app.attendance_events_shift_edges_idx;
create index attendance_events_shift_edges_idx
on app.attendance_events (employee_id, occurred_at, id)
where event_type in ('CLOCK_IN', 'CLOCK_OUT');

-- The employee lock is the ledger chain head alone now (sql/functions/105_employee_lock.sql):
-- the advisory lock's key function has no caller left.
drop function if exists app.employee_lock_key(uuid);
