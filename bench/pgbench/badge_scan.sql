-- One badge scan at a reader: POST /rpc/badge_scan {"badge_code": …} exactly
-- as PostgREST 12 runs it (the envelope of envelope_insert.sql with a kiosk
-- token, the pre-request's device check, the RPC in its WITH pgrst_source …
-- json_to_record … json_agg form). Each client is its own reader (device
-- 00000000-0000-4000-9000-<client_id>) and scans its own employees' badges
-- (n ≡ client_id mod clients, badge BENCH-<n>); badge_double_scan_seconds is 0,
-- so every scan toggles its holder IN or OUT: a ledger punch, the day's
-- step, the outbox message, the scan row and a NOTIFY presence.
\set n 1 + :client_id + :clients * random(0, :per_client - 1)
begin isolation level read committed read write;
select
    set_config('search_path', '"api", "public"', true),
    set_config('role', 'kiosk', true),
    set_config(
        'request.jwt.claims',
        '{"role": "kiosk", "kiosk_id": "00000000-0000-4000-9000-' || lpad(:client_id::text, 12, '0') || '"}',
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/badge_scan', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
with pgrst_source as (
    select pgrst_call.pgrst_scalar
    from (select ('{"badge_code": "BENCH-' || :n || '"}')::json as json_data) as pgrst_payload,
        lateral (
            select "badge_code" from json_to_record(pgrst_payload.json_data) as _("badge_code" text) limit 1
        ) as pgrst_body,
        lateral (select "api"."badge_scan"("badge_code" := pgrst_body."badge_code") as pgrst_scalar) as pgrst_call
)
select
    null::bigint as total_result_set,
    1 as page_total,
    coalesce(json_agg(_postgrest_t.pgrst_scalar) -> 0, 'null') as body,
    nullif(current_setting('response.headers', true), '') as response_headers,
    nullif(current_setting('response.status', true), '') as response_status,
    '' as response_inserted
from (select "badge_scan".* from "pgrst_source" as "badge_scan") as _postgrest_t;
commit;
