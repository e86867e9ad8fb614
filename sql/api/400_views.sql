-- The readable API (GET /<name>). Every view is security_invoker, so the
-- caller's grants and the RLS policies on app tables decide the rows.

create view api.attendance_events with (security_invoker = true) as
select
    ev.id,
    ev.employee_id,
    ev.event_type,
    ev.occurred_at,
    ev.recorded_at,
    ev.business_date_ist,
    ev.source,
    ev.idempotency_key,
    ev.payload,
    ev.corrects_event_id,
    ev.created_by,
    ev.sync_status,
    ev.attempt_count,
    ev.last_sync_error,
    ev.synced_at
from app.attendance_events as ev;
comment on view api.attendance_events is 'The ledger rows you may see (own, reports, or all).';
grant select on api.attendance_events to employee, approver, hr_admin;

-- A day still open after max_shift_hours shows MISSING_CLOCK_OUT: that depends
-- on the clock, so it is added at read time (app.with_missing_clock_out) rather
-- than stored.
create view api.daily_status with (security_invoker = true) as
select
    ds.employee_id,
    ds.business_date_ist,
    ds.current_status,
    ds.first_clock_in,
    ds.last_clock_out,
    ds.last_event_id,
    ds.worked_minutes,
    ds.break_minutes_used,
    ds.lunch_minutes,
    ds.event_count,
    app.with_missing_clock_out(
        ds.anomalies, ds.current_status, ds.first_clock_in, (select app.max_shift_interval())
    ) as anomalies,
    ds.is_locked,
    ds.lock_reason,
    ds.has_sync_errors,
    ds.updated_at
from app.daily_status as ds;
comment on view api.daily_status is 'Each employee-day''s derived status (own, reports, or all).';
grant select on api.daily_status to employee, approver, hr_admin;

create view api.employees with (security_invoker = true) as
select
    e.id,
    e.employee_number,
    e.full_name,
    e.email,
    e.manager_employee_id,
    e.department,
    e.designation,
    e.location,
    e.employment_status,
    e.role,
    e.shift_config,
    e.date_of_joining,
    case when (select app.current_app_role()) = 'hr_admin' then e.attendance_number end
        as attendance_number,
    case when (select app.current_app_role()) = 'hr_admin' then e.keka_id end as keka_id,
    case when (select app.current_app_role()) = 'hr_admin' then e.slack_user_id end
        as slack_user_id,
    case when (select app.current_app_role()) = 'hr_admin' then e.badge_id end as badge_id
from app.employees as e;
comment on view api.employees is
'Employees you may see; identifiers used by integrations are shown to hr_admin only.';
grant select on api.employees to employee, approver, hr_admin;

create view api.audit_logs with (security_invoker = true) as
select
    a.id,
    a.created_at,
    a.actor_slack_id,
    a.actor_employee_id,
    a.actor_role,
    a.target_employee_id,
    a.action,
    a.entity,
    a.entity_id,
    a.reason,
    a.before,
    a.after,
    a.context,
    a.request_id
from app.audit_logs as a;
comment on view api.audit_logs is 'The audit trail (hr_admin).';
grant select on api.audit_logs to hr_admin;
