-- Sync endpoints for hr_admin: retry failed events, and one row of sync health.

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
    o.oldest_pending_age
from app.sync_overview() as o;
comment on view api.sync_overview is
'hr_admin: events by sync status, queue and dead-letter depth, oldest pending age.';
grant select on api.sync_overview to hr_admin;
