-- Two requests of one employee: POST /rpc/clock_in {"plan": …}, then
-- POST /rpc/clock_out {}, each exactly as PostgREST 12 runs it: its
-- transaction envelope (see envelope_insert.sql) around the RPC in its
-- WITH pgrst_source … json_to_record … json_agg form. Two transactions per
-- script run: the punch rate is twice pgbench's tps. Each client punches its
-- own employees (n ≡ client_id mod clients), whose policy allows several
-- shifts a day, so every pair is valid whatever pgbench picks.
\set n 1 + :client_id + :clients * random(0, :per_client - 1)
begin isolation level read committed read write;
select
    set_config('search_path', '"api", "public"', true),
    set_config('role', 'employee', true),
    set_config(
        'request.jwt.claims',
        '{"role": "employee", "employee_id": "00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '"}',
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/clock_in', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
with pgrst_source as (
    select pgrst_call.pgrst_scalar
    from (select :clock_in_body::json as json_data) as pgrst_payload,
        lateral (
            select "plan" from json_to_record(pgrst_payload.json_data) as _("plan" text) limit 1
        ) as pgrst_body,
        lateral (select "api"."clock_in"("plan" := pgrst_body."plan") as pgrst_scalar) as pgrst_call
)
select
    null::bigint as total_result_set,
    1 as page_total,
    coalesce(json_agg(_postgrest_t.pgrst_scalar) -> 0, 'null') as body,
    nullif(current_setting('response.headers', true), '') as response_headers,
    nullif(current_setting('response.status', true), '') as response_status,
    '' as response_inserted
from (select "clock_in".* from "pgrst_source" as "clock_in") as _postgrest_t;
commit;
begin isolation level read committed read write;
select
    set_config('search_path', '"api", "public"', true),
    set_config('role', 'employee', true),
    set_config(
        'request.jwt.claims',
        '{"role": "employee", "employee_id": "00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '"}',
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/clock_out', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
with pgrst_source as (
    select pgrst_call.pgrst_scalar
    from lateral (select "api"."clock_out"() as pgrst_scalar) as pgrst_call
)
select
    null::bigint as total_result_set,
    1 as page_total,
    coalesce(json_agg(_postgrest_t.pgrst_scalar) -> 0, 'null') as body,
    nullif(current_setting('response.headers', true), '') as response_headers,
    nullif(current_setting('response.status', true), '') as response_status,
    '' as response_inserted
from (select "clock_out".* from "pgrst_source" as "clock_out") as _postgrest_t;
commit;
