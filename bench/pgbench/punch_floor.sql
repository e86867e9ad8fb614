-- The floor of the punch (bench/floor_punch.sql: the issue's prototype, none
-- of the product's rules) in the same envelope and RPC shape as punch.sql:
-- clock_in then clock_out of one employee, two transactions per script run.
-- :floor_chain (true or false): also link each row into the ledger chain.
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
    from lateral (select "bench"."floor_punch"('CLOCK_IN', :floor_chain::boolean) as pgrst_scalar) as pgrst_call
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
    from lateral (select "bench"."floor_punch"('CLOCK_OUT', :floor_chain::boolean) as pgrst_scalar) as pgrst_call
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
