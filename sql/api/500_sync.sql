-- Sync endpoints for hr_admin: retry failed events, one row of sync health,
-- and the punches that need a correction in Keka by hand.

create or replace function api.retry_sync(event_ids bigint[]) returns jsonb
language sql volatile
as $$
    select app.retry_sync(event_ids)
$$;
comment on function api.retry_sync(bigint[]) is
'hr_admin: put FAILED / PERMANENT_FAILURE events back on the Keka queue (audited RETRY_SYNC).';
grant execute on function api.retry_sync(bigint[]) to hr_admin;

create view api.sync_overview with (security_invoker = true) as
select
    o.pending,
    o.failed,
    o.permanent_failure,
    o.escalated,
    o.queue_depth,
    o.dlq_depth,
    o.oldest_pending_age,
    s.unconfirmed,
    s.held_back,
    s.needs_keka_correction,
    s.circuit_state,
    s.circuit_kind,
    s.circuit_reason,
    s.circuit_since,
    s.circuit_next_probe_at
from app.sync_overview() as o
cross join app.keka_sync_signals() as s;
comment on view api.sync_overview is
'hr_admin: events by sync status, queue and dead-letter depth, oldest pending age; punches Keka may or
may not hold (unconfirmed), held back for an attendance number unknown to the last import, voided after
sending (needs_keka_correction, listed in keka_corrections); the push circuit breaker (CLOSED, or OPEN
with kind OUTAGE / REJECTED, its reason, since when, the next probe).';
grant select on api.sync_overview to hr_admin;

create view api.keka_corrections with (security_invoker = true) as
select
    k.event_id,
    k.void_event_id,
    k.employee_id,
    k.attendance_number,
    k.event_type,
    k.occurred_at,
    k.sync_status,
    k.synced_at,
    k.voided_at,
    k.keka_ref
from app.keka_corrections() as k;
comment on view api.keka_corrections is
'hr_admin: punches voided after they were sent to Keka (or possibly sent: UNCONFIRMED). Keka cannot
retract a log, so remove or fix each one in Keka by hand.';
grant select on api.keka_corrections to hr_admin;
