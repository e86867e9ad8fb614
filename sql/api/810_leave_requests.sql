-- Leave requests over HTTP: GET /leave_requests (RLS: own, chain, all) and the
-- request → approve / reject / cancel functions. The rules live in app
-- (610_leave_requests.sql); these only name the arguments.

create view api.leave_requests with (security_invoker = true) as
select
    r.id,
    r.employee_id,
    r.policy_code,
    r.start_date,
    r.end_date,
    r.half_day_start,
    r.half_day_end,
    r.days,
    r.reason,
    r.status,
    r.requested_by,
    r.requested_at,
    r.decided_by,
    r.decided_at,
    r.decision_reason,
    r.calendar_sync_status,
    r.calendar_synced_at
from app.leave_requests as r;
comment on view api.leave_requests is
'Leave requests you may see (own; approver: chain; hr_admin: all), with their calendar sync state.';
grant select on api.leave_requests to employee, approver, hr_admin;

create or replace function api.request_leave(
    policy_code text,
    start_date date,
    end_date date,
    half_day_start boolean default false,
    half_day_end boolean default false,
    reason text default null,
    employee_id uuid default null
) returns jsonb
language sql volatile
as $$
    select app.request_leave(policy_code, start_date, end_date, half_day_start, half_day_end, reason, employee_id)
$$;
comment on function api.request_leave(text, date, date, boolean, boolean, text, uuid) is
'Request leave (PENDING). half_day_start: starts in the afternoon; half_day_end: ends at noon. employee_id: hr_admin '
'on behalf of someone. 409 LEAVE_OVERLAP, 409 LEAVE_BALANCE_INSUFFICIENT, 422 for bad dates.';
grant execute on function api.request_leave(text, date, date, boolean, boolean, text, uuid)
to employee, approver, hr_admin;

create or replace function api.approve_leave(leave_request_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.approve_leave(leave_request_id, reason)
$$;
comment on function api.approve_leave(bigint, text) is
'approver (own chain) or hr_admin, never for oneself (403 LEAVE_SELF_APPROVAL): approve a PENDING request; '
'writes the CONSUMPTION, re-derives the days, queues the calendar event (audited).';
grant execute on function api.approve_leave(bigint, text) to approver, hr_admin;

create or replace function api.reject_leave(leave_request_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.reject_leave(leave_request_id, reason)
$$;
comment on function api.reject_leave(bigint, text) is
'approver (own chain) or hr_admin, never for oneself: reject a PENDING request (audited).';
grant execute on function api.reject_leave(bigint, text) to approver, hr_admin;

create or replace function api.cancel_leave(leave_request_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.cancel_leave(leave_request_id, reason)
$$;
comment on function api.cancel_leave(bigint, text) is
'The employee (own leave, before it starts) or hr_admin (any time): cancel; an approved leave gets its REVERSAL, '
'its days re-derived and its calendar event deleted (audited).';
grant execute on function api.cancel_leave(bigint, text) to employee, approver, hr_admin;
