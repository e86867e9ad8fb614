-- Adjustment (regularization) requests over HTTP: GET /adjustment_requests
-- (RLS: own; approver: own + chain, e.g. ?status=eq.PENDING for what waits on
-- them; hr_admin: all) and request / approve / reject / withdraw. The rules
-- live in app (sql/functions/720_adjustments.sql); these only name the
-- arguments. The tables' grants and RLS policies sit here, after
-- sql/policies/100_grants.sql has revoked everything on every run.

grant select on app.adjustment_requests, app.adjustment_decisions to employee, approver, hr_admin;

drop policy if exists adjustment_requests_own on app.adjustment_requests;
create policy adjustment_requests_own on app.adjustment_requests for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists adjustment_requests_chain on app.adjustment_requests;
create policy adjustment_requests_chain on app.adjustment_requests for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists adjustment_requests_all on app.adjustment_requests;
create policy adjustment_requests_all on app.adjustment_requests for select to hr_admin
using (true);

drop policy if exists adjustment_decisions_own on app.adjustment_decisions;
create policy adjustment_decisions_own on app.adjustment_decisions for select to employee
using (employee_id = (select app.current_employee_id()));

drop policy if exists adjustment_decisions_chain on app.adjustment_decisions;
create policy adjustment_decisions_chain on app.adjustment_decisions for select to approver
using (employee_id = any((select app.visible_employee_ids())::uuid[]));

drop policy if exists adjustment_decisions_all on app.adjustment_decisions;
create policy adjustment_decisions_all on app.adjustment_decisions for select to hr_admin
using (true);

create view api.adjustment_requests with (security_invoker = true) as
select
    r.id,
    r.employee_id,
    r.business_date,
    r.kind,
    r.punches,
    r.reason,
    r.status,
    r.requested_by,
    r.requested_at,
    d.decided_by,
    d.decided_at,
    d.reason as decision_reason,
    d.event_ids
from app.adjustment_requests as r
left join app.adjustment_decisions as d on r.employee_id = d.employee_id and r.id = d.adjustment_request_id;
comment on view api.adjustment_requests is
'Adjustment (regularization) requests you may see (own; approver: chain; hr_admin: all) with their decision.';
grant select on api.adjustment_requests to employee, approver, hr_admin;

create or replace function api.request_adjustment(
    business_date date, kind text, reason text, punches jsonb default '[]'
) returns jsonb
language sql volatile
as $$
    select app.request_adjustment(business_date, kind, punches, reason)
$$;
comment on function api.request_adjustment(date, text, text, jsonb) is
'Ask to correct one of your past days: kind ADD_PUNCHES with punches [{event_type, occurred_at, replaces_event_id?}] '
'(1 to 8) or EXEMPT_LOCK (a locked day, no punches), with a reason. 409 ADJUSTMENT_OPEN_EXISTS, 422 ADJUSTMENT_LIMIT, '
'422 ADJUSTMENT_TOO_OLD, 409 PERIOD_LOCKED (audited ADJUSTMENT_REQUEST).';
grant execute on function api.request_adjustment(date, text, text, jsonb) to employee, approver, hr_admin;

create or replace function api.approve_adjustment(adjustment_request_id bigint, reason text default null)
returns jsonb
language sql volatile
as $$
    select app.approve_adjustment(adjustment_request_id, reason)
$$;
comment on function api.approve_adjustment(bigint, text) is
'approver (own chain) or hr_admin, never for oneself (403 ADJUSTMENT_SELF_APPROVAL): append the punches to the ledger '
'(source regularization, VOIDs for replaced punches) or unlock the day, re-derived at once '
'(audited ADJUSTMENT_APPROVE).';
grant execute on function api.approve_adjustment(bigint, text) to approver, hr_admin;

create or replace function api.reject_adjustment(adjustment_request_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.reject_adjustment(adjustment_request_id, reason)
$$;
comment on function api.reject_adjustment(bigint, text) is
'approver (own chain) or hr_admin, never for oneself: reject a PENDING request; a reason is required (audited).';
grant execute on function api.reject_adjustment(bigint, text) to approver, hr_admin;

create or replace function api.withdraw_adjustment(adjustment_request_id bigint, reason text default null)
returns jsonb
language sql volatile
as $$
    select app.withdraw_adjustment(adjustment_request_id, reason)
$$;
comment on function api.withdraw_adjustment(bigint, text) is
'The requester: take back your own PENDING request (audited ADJUSTMENT_WITHDRAW).';
grant execute on function api.withdraw_adjustment(bigint, text) to employee, approver, hr_admin;
