-- Attendance imports (POST /rpc/<name>), hr_admin only: template → prepare →
-- preview → commit → status → rollback. Thin: each is one call of the app
-- function in sql/functions/6xx_imports_*.sql that holds the rule.

create or replace function api.import_template(format text) returns text
language sql immutable
as $$
    select app.import_template(format)
$$;
comment on function api.import_template(text) is
'The CSV header and two example rows of an import format: csv (ours) or dingtalk (a DingTalk attendance export).';
grant execute on function api.import_template(text) to hr_admin;

-- One unnamed text parameter: PostgREST passes a Content-Type: text/plain body
-- to it as is (a text/csv body would be parsed by PostgREST itself).
create or replace function api.import_prepare(text) returns jsonb
language sql volatile
as $$
    select app.import_prepare($1)
$$;
comment on function api.import_prepare(text) is
'Stage an attendance file sent as the raw body (Content-Type: text/plain). Headers: X-Import-Format (csv|dingtalk, '
'else detected), X-Import-Time-Zone, X-Import-File-Name. Returns the commit token, its expiry and counts by outcome; '
'a malformed file is 400 with line and column.';
grant execute on function api.import_prepare(text) to hr_admin;

create or replace function api.import_preview(
    token text,
    "limit" integer default 50,
    "offset" integer default 0,
    outcome text default null,
    with_effect boolean default true,
    refresh_effect boolean default false
) returns jsonb
language sql volatile
as $$
    select app.import_preview($1, $2, $3, $4, $5, $6)
$$;
comment on function api.import_preview(text, integer, integer, text, boolean, boolean) is
'A page of staged rows (limit ≤ import_preview_limit, offset, outcome filter), counts, and the predicted effect '
'(employee-days, anomalies, locks) from a rolled-back dry run of the commit.';
grant execute on function api.import_preview(text, integer, integer, text, boolean, boolean) to hr_admin;

create or replace function api.import_commit(token text, idempotency_key text default null) returns jsonb
language sql volatile
as $$
    select app.import_commit(token, idempotency_key)
$$;
comment on function api.import_commit(text, text) is
'Commit a prepared import in one transaction (or as a worker job, 202, above import_async_threshold_rows). '
'A retry with the same idempotency_key returns the first result; 409 IMPORT_ALREADY_COMMITTED, 404/410 for '
'unknown/expired tokens.';
grant execute on function api.import_commit(text, text) to hr_admin;

create or replace function api.import_status(batch_id bigint) returns jsonb
language sql stable
as $$
    select app.import_status(batch_id)
$$;
comment on function api.import_status(bigint) is
'An import batch: status (PREPARED, QUEUED, RUNNING, COMMITTED, FAILED, ROLLED_BACK), progress, counts, result.';
grant execute on function api.import_status(bigint) to hr_admin;

create or replace function api.import_rollback(batch_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.import_rollback(batch_id, reason)
$$;
comment on function api.import_rollback(bigint, text) is
'VOID every event of a committed import (audited IMPORT_ROLLBACK); a second call returns the first result.';
grant execute on function api.import_rollback(bigint, text) to hr_admin;
