-- The audit-log API (hr_admin): POST /rpc/audit_logs_search (a page and the
-- exact total) and POST /rpc/audit_logs_export (CSV). The rules are in
-- sql/functions/760_audit_api.sql; GET /audit_logs stays for plain reads.

create or replace function api.audit_logs_search(
    actor text default null,
    action text default null,
    employee_id uuid default null,
    "from" timestamptz default null,
    "to" timestamptz default null,
    q text default null,
    "limit" integer default 50,
    "offset" integer default 0
) returns jsonb
language sql stable
as $$
    select app.audit_logs_search(actor, action, employee_id, "from", "to", q, "limit", "offset")
$$;
comment on function api.audit_logs_search(text, text, uuid, timestamptz, timestamptz, text, integer, integer) is
'hr_admin: audit rows newest first, filtered by actor (slack id/e-mail or employee id), action, target employee_id, '
'created_at in [from, to) and q (text in reason or context); {total, total_is_exact, limit, offset, rows}: the total '
'is exact except for a q matching more than audit_search_count_max rows (422 AUDIT_SEARCH_TOO_BROAD past it).';
grant execute on function api.audit_logs_search(text, text, uuid, timestamptz, timestamptz, text, integer, integer)
to hr_admin;

-- PostgREST (v12+) serves a function returning this domain as text/csv
-- (send Accept: text/csv).
create domain api."text/csv" as text; -- noqa: RF05
comment on domain api."text/csv" is 'A CSV document (media type handler).'; -- noqa: RF05

create or replace function api.audit_logs_export(
    actor text default null,
    action text default null,
    employee_id uuid default null,
    "from" timestamptz default null,
    "to" timestamptz default null,
    q text default null,
    max_rows integer default 10000
) returns api."text/csv" -- noqa: RF05
language sql volatile
as $$
    select app.audit_logs_export(actor, action, employee_id, "from", "to", q, max_rows)::api."text/csv"
$$;
comment on function api.audit_logs_export(text, text, uuid, timestamptz, timestamptz, text, integer) is
'hr_admin: the matching audit rows as CSV (Accept: text/csv), newest first, at most max_rows (<= 100000); '
'audited EXPORT_AUDIT_LOGS; rate-limited (class exports).';
grant execute on function api.audit_logs_export(text, text, uuid, timestamptz, timestamptz, text, integer)
to hr_admin;
