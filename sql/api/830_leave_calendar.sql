-- Calendar sync over HTTP (the runbook's POST /integrations/msgraph/sync):
-- hr_admin puts unfinished calendar work for some leave requests back on the queue.

create or replace function api.calendar_sync(leave_request_ids bigint[]) returns jsonb
language sql volatile
as $$
    select app.calendar_resync(leave_request_ids)
$$;
comment on function api.calendar_sync(bigint[]) is
'hr_admin: re-enqueue the calendar create (approved) or delete (cancelled) of these requests unless done or '
'already queued; 409 NOTHING_TO_SYNC when none qualifies (audited CALENDAR_SYNC).';
grant execute on function api.calendar_sync(bigint[]) to hr_admin;
