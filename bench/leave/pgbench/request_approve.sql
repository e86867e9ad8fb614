-- One employee requests a day of annual leave and their manager approves it:
-- two PostgREST 12 transactions (envelope: search_path, role, claims, method,
-- path, headers; pre-request; the RPC over its arguments), as pgbench replays
-- them. Each client works through its own 50 employees, one weekday each time
-- (:base is a Monday as days since 2000-01-01; k counts this client's pairs).
\set e :client_id * 50 + (:k % 50)
\set i :k / 50
\set d :base + :i + (:i / 5) * 2
\set k :k + 1
BEGIN;
select
    set_config('search_path', 'api', true),
    set_config('role', 'employee', true),
    set_config(
        'request.jwt.claims',
        json_build_object('role', 'employee', 'employee_id', md5('bench-leave-' || :e)::uuid, 'sub', 'bench-' || :e)::text,
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/request_leave', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
with pgrst_source as (
    select api.request_leave(
        policy_code := pgrst_body.policy_code, start_date := pgrst_body.start_date, end_date := pgrst_body.end_date,
        reason := pgrst_body.reason
    ) as pgrst_scalar
    from json_to_record(json_build_object(
        'policy_code', 'ANNUAL', 'start_date', date '2000-01-01' + (:d)::int, 'end_date', date '2000-01-01' + (:d)::int,
        'reason', 'bench'
    )) as pgrst_body (policy_code text, start_date date, end_date date, reason text)
)
select (pgrst_scalar ->> 'id')::bigint as rid, coalesce(json_agg(pgrst_scalar) -> 0, 'null') as body
from pgrst_source group by pgrst_scalar \gset
COMMIT;
BEGIN;
select
    set_config('search_path', 'api', true),
    set_config('role', 'approver', true),
    set_config(
        'request.jwt.claims',
        json_build_object('role', 'approver', 'employee_id', md5('bench-leave-boss')::uuid, 'sub', 'bench-boss')::text,
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/approve_leave', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
with pgrst_source as (
    select api.approve_leave(leave_request_id := pgrst_body.leave_request_id, reason := pgrst_body.reason) as pgrst_scalar
    from json_to_record(json_build_object('leave_request_id', (:rid)::bigint, 'reason', 'bench approve'))
        as pgrst_body (leave_request_id bigint, reason text)
)
select coalesce(json_agg(pgrst_scalar) -> 0, 'null') as body from pgrst_source;
COMMIT;
