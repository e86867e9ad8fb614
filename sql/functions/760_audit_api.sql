-- The audit-log API (issue 14 part 3): search with exact totals, a CSV export
-- and the retention purge. Indexes and the per-day counts are in
-- sql/schema/750_audit_search.sql; the counts' trigger and the one sanctioned
-- DELETE are in sql/triggers/120_append_only.sql and 760_audit_logs.sql.
--
-- Filters (all optional, combined with AND): actor (the recorded
-- actor_slack_id, or an employee id: the actor_employee_id), action, the
-- target employee, a created_at range [from, to), and q: text that reason or
-- context contains (case-insensitive, 3 to 200 characters). Rows come newest
-- first (created_at, then id), a page at a time (limit 1..1000, offset up to
-- 100,000).

-- Refuse filters out of bounds (422 naming the field).
create or replace function app.require_audit_filters(
    p_actor text, p_action text, p_from timestamptz, p_to timestamptz, p_q text
) returns void
language plpgsql immutable
as $$
begin
    perform app.require_max_length('actor', p_actor, 320);
    if p_action is not null and (p_action !~ '^[A-Z][A-Z_]*$' or length(p_action) > 64) then
        perform app.fail(422, 'INVALID_ARGUMENT', 'action is an upper-case audit action such as VOID_EVENT.',
            '{"field": "action"}');
    end if;
    if p_from > p_to then
        perform app.fail(422, 'INVALID_ARGUMENT', 'from must not be after to.', '{"field": "from"}');
    end if;
    if p_q is not null and length(btrim(p_q)) not between 3 and 200 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'q must be 3 to 200 characters.', '{"field": "q"}');
    end if;
end
$$;

-- The WHERE clause of the filters that are given, over $1 actor, $2 action,
-- $3 employee, $4 from, $5 to, $6 q (a LIKE pattern, escaped). Run with
-- EXECUTE … USING, so that every search is planned for exactly its filters
-- (a cached plan of `p is null or col = p` would fit none of them).
create or replace function app.audit_log_where(
    p_actor text, p_action text, p_employee_id uuid, p_from timestamptz, p_to timestamptz, p_q text
) returns text
language sql immutable
as $$
    select concat_ws(
        ' and ', 'true',
        case when p_actor ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            then 'a.actor_employee_id = $1::uuid'
            when p_actor is not null then 'a.actor_slack_id = $1' end,
        case when p_action is not null then 'a.action = $2' end,
        case when p_employee_id is not null then 'a.target_employee_id = $3' end,
        case when p_from is not null then 'a.created_at >= $4' end,
        case when p_to is not null then 'a.created_at < $5' end,
        case when p_q is not null then '(coalesce(a.reason, '''') || '' '' || a.context::text) ilike $6' end
    )
$$;

-- q as a case-insensitive "contains" pattern (%, _ and \ taken literally).
create or replace function app.audit_q_pattern(p_q text) returns text
language sql immutable
as $$
    select '%' || replace(replace(replace(btrim(p_q), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- The number of matching rows, counted (app.audit_log_count says when), or
-- with p_cap up to p_cap + 1 and no further. A capped search the statistics
-- say is common (the planner estimates more matches than p_cap) is counted
-- without bitmap scans: a trigram bitmap reads every posting of the word
-- before the LIMIT can stop it, while a scan of the rows stops at the
-- p_cap + 1st match. A rarer one is counted through the trigram index.
drop function if exists app.audit_log_count_rows(text, text, uuid, timestamptz, timestamptz, text);
create or replace function app.audit_log_count_rows(
    p_actor text, p_action text, p_employee_id uuid, p_from timestamptz, p_to timestamptz, p_q text,
    p_cap integer default null
) returns bigint
language plpgsql volatile -- only for its EXPLAIN (refused in a non-volatile function); it writes nothing
as $$
declare
    v_where text := app.audit_log_where(p_actor, p_action, p_employee_id, p_from, p_to, p_q);
    v_plan jsonb;
    v_bitmaps text := current_setting('enable_bitmapscan');
    v_total bigint;
begin
    if p_cap is not null then
        execute 'explain (format json) select from app.audit_logs as a where ' || v_where
        into v_plan
        using p_actor, p_action, p_employee_id, p_from, p_to, app.audit_q_pattern(p_q);
        if (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric > p_cap then
            perform set_config('enable_bitmapscan', 'off', true);
        end if;
    end if;
    execute 'select count(*) from (select from app.audit_logs as a where ' || v_where || ' limit $7) as m'
    into v_total
    using p_actor, p_action, p_employee_id, p_from, p_to, app.audit_q_pattern(p_q), p_cap + 1;
    perform set_config('enable_bitmapscan', v_bitmaps, true);
    return v_total;
end
$$;

-- The exact number of matching rows. With no actor, employee or text filter
-- it adds up app.audit_log_day_counts over the whole UTC days of the range
-- and counts only the rows of the partial days at its edges.
create or replace function app.audit_log_count(
    p_actor text, p_action text, p_employee_id uuid, p_from timestamptz, p_to timestamptz, p_q text
) returns bigint
language plpgsql stable
as $$
declare
    v_first_day date;
    v_last_day date;
    v_total bigint;
begin
    if p_actor is not null or p_employee_id is not null or p_q is not null then
        return app.audit_log_count_rows(p_actor, p_action, p_employee_id, p_from, p_to, p_q);
    end if;
    -- whole days: [v_first_day, v_last_day]
    v_first_day := case when p_from is null then '-infinity'::date
        else (p_from at time zone 'UTC')::date
            + case when (p_from at time zone 'UTC')::time = '00:00' then 0 else 1 end
    end;
    v_last_day := case when p_to is null then 'infinity'::date
        else (p_to at time zone 'UTC')::date - 1 end;
    if v_first_day > v_last_day then
        return app.audit_log_count_rows(null, p_action, null, p_from, p_to, null);
    end if;
    if p_action is null then
        select coalesce(sum(c.n), 0) into v_total
        from app.audit_log_day_counts as c where c.day between v_first_day and v_last_day;
    else
        select coalesce(sum(c.n), 0) into v_total
        from app.audit_log_day_counts as c where c.action = p_action and c.day between v_first_day and v_last_day;
    end if;
    if p_from is not null and p_from < (v_first_day::timestamp at time zone 'UTC') then
        v_total := v_total + app.audit_log_count_rows(
            null, p_action, null, p_from, v_first_day::timestamp at time zone 'UTC', null
        );
    end if;
    if p_to is not null and p_to > ((v_last_day + 1)::timestamp at time zone 'UTC') then
        v_total := v_total + app.audit_log_count_rows(
            null, p_action, null, (v_last_day + 1)::timestamp at time zone 'UTC', p_to, null
        );
    end if;
    return v_total;
end
$$;

-- A page of the matching rows, newest first (created_at, then id): the
-- search's rows and the export's.
create or replace function app.audit_log_page(
    p_actor text, p_action text, p_employee_id uuid, p_from timestamptz, p_to timestamptz, p_q text,
    p_limit integer, p_offset integer
) returns setof app.audit_logs
language plpgsql stable
as $$
begin
    return query execute 'select a.* from app.audit_logs as a where '
        || app.audit_log_where(p_actor, p_action, p_employee_id, p_from, p_to, p_q)
        || ' order by a.created_at desc, a.id desc limit $7 offset $8'
    using p_actor, p_action, p_employee_id, p_from, p_to, app.audit_q_pattern(p_q), p_limit, p_offset;
end
$$;

-- The setting audit_search_count_max (default 1,000, within its bounds 100-1,000,000).
create or replace function app.audit_search_count_max() returns integer
language sql stable
as $$
    select app.setting_int('audit_search_count_max', 1000, 100, 1000000)
$$;

-- One page of the audit trail and the total (hr_admin). The total is exact
-- (total_is_exact: true) except for a free-text search (q) matching more rows
-- than the setting audit_search_count_max: it stops counting there and
-- answers that number with total_is_exact: false (narrow the range, the
-- actor or the action for an exact one); such a search pages no deeper than
-- that either (offset below it, else 422 AUDIT_SEARCH_TOO_BROAD). Every other
-- filter counts through an index or the per-day counts.
create or replace function app.audit_logs_search(
    p_actor text default null,
    p_action text default null,
    p_employee_id uuid default null,
    p_from timestamptz default null,
    p_to timestamptz default null,
    p_q text default null,
    p_limit integer default 50,
    p_offset integer default 0
) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, public, pg_temp
as $$
declare
    v_rows jsonb;
    v_cap integer;
    v_total bigint;
    v_indexscan text := current_setting('enable_indexscan');
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_audit_filters(p_actor, p_action, p_from, p_to, p_q);
    if p_limit is null or p_limit not between 1 and 1000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'limit must be from 1 to 1000.', '{"field": "limit"}');
    end if;
    if p_offset is null or p_offset not between 0 and 100000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'offset must be from 0 to 100000.', '{"field": "offset"}');
    end if;
    if p_q is not null then
        v_cap := app.audit_search_count_max();
        if p_offset >= v_cap then
            perform app.fail(
                422, 'AUDIT_SEARCH_TOO_BROAD',
                format('A text search pages through its first %s matches; narrow it by date, actor or action.', v_cap),
                jsonb_build_object('field', 'offset', 'audit_search_count_max', v_cap)
            );
        end if;
        v_total := app.audit_log_count_rows(p_actor, p_action, p_employee_id, p_from, p_to, p_q, v_cap);
        if v_total < p_offset + p_limit then
            -- fewer matches than the page reaches, now known: a walk of the log newest first would read
            -- every row of the range without filling the page; fetch them through the indexes' bitmaps
            perform set_config('enable_indexscan', 'off', true);
        end if;
    else
        v_total := app.audit_log_count(p_actor, p_action, p_employee_id, p_from, p_to, p_q);
    end if;
    if v_total > p_offset then
        select coalesce(jsonb_agg(to_jsonb(p) order by p.created_at desc, p.id desc), '[]') into v_rows
        from app.audit_log_page(p_actor, p_action, p_employee_id, p_from, p_to, p_q, p_limit, p_offset) as p;
    end if;
    perform set_config('enable_indexscan', v_indexscan, true);
    return jsonb_build_object(
        'total', least(v_total, v_cap),
        'total_is_exact', v_cap is null or v_total <= v_cap,
        'limit', p_limit,
        'offset', p_offset,
        'rows', coalesce(v_rows, '[]')
    );
exception when query_canceled then
    -- a text filter matching a large share of the log counts every match: a timeout is a clear 503
    perform app.fail_timeout();
    return null;
end
$$;
grant execute on function app.audit_logs_search(text, text, uuid, timestamptz, timestamptz, text, integer, integer)
to hr_admin;

-- One CSV field: quoted when it holds a comma, quote or line break; a
-- leading = + - @ (a spreadsheet formula) is neutralised with a quote mark.
create or replace function app.csv_field(p_value text) returns text
language sql immutable
as $$
    select case
        when p_value is null then ''
        when p_value ~ '^[=+@-]' or p_value ~ '[",\r\n]'
            then '"' || replace(case when p_value ~ '^[=+@-]' then '''' || p_value else p_value end, '"', '""') || '"'
        else p_value
    end
$$;

-- The matching rows as CSV (newest first, at most p_max_rows), audited
-- EXPORT_AUDIT_LOGS with the filters and the row count (hr_admin). VOLATILE:
-- it writes that row, and so it runs read-write and is rate-limited (exports).
create or replace function app.audit_logs_export(
    p_actor text default null,
    p_action text default null,
    p_employee_id uuid default null,
    p_from timestamptz default null,
    p_to timestamptz default null,
    p_q text default null,
    p_max_rows integer default 10000
) returns text
language plpgsql volatile security definer
set search_path = pg_catalog, public, pg_temp
as $$
declare
    v_csv text;
    v_count integer;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_audit_filters(p_actor, p_action, p_from, p_to, p_q);
    if p_max_rows is null or p_max_rows not between 1 and 100000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'max_rows must be from 1 to 100000.', '{"field": "max_rows"}');
    end if;
    select
        count(*),
        string_agg(
            concat_ws(
                ',', m.id, app.csv_field(to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                app.csv_field(m.actor_slack_id), app.csv_field(m.actor_employee_id::text),
                app.csv_field(m.actor_role), app.csv_field(m.target_employee_id::text), app.csv_field(m.action),
                app.csv_field(m.entity), app.csv_field(m.entity_id), app.csv_field(m.reason),
                app.csv_field(m.before::text), app.csv_field(m.after::text), app.csv_field(m.context::text),
                app.csv_field(m.request_id)
            ),
            e'\n' order by m.created_at desc, m.id desc
        )
    into v_count, v_csv
    from app.audit_log_page(p_actor, p_action, p_employee_id, p_from, p_to, p_q, p_max_rows, 0) as m;
    perform app.audit(
        'EXPORT_AUDIT_LOGS', 'audit_logs', null, p_employee_id, null, null, null,
        jsonb_strip_nulls(jsonb_build_object(
            'actor', p_actor, 'action', p_action, 'employee_id', p_employee_id, 'from', p_from, 'to', p_to,
            'q', p_q, 'max_rows', p_max_rows, 'rows', v_count
        ))
    );
    return 'id,created_at,actor_slack_id,actor_employee_id,actor_role,target_employee_id,action,entity,entity_id,'
        || 'reason,before,after,context,request_id' || e'\n' || coalesce(v_csv || e'\n', '');
exception when query_canceled then
    perform app.fail_timeout();
    return null;
end
$$;
grant execute on function app.audit_logs_export(text, text, uuid, timestamptz, timestamptz, text, integer)
to hr_admin;

-- Retention (the periodic job, worker/tasks.py): remove audit rows older
-- than audit_retention_days, at most p_batch of the oldest per call (the job
-- comes back), as the owner: the one DELETE the append-only trigger lets
-- through (hithonix.audit_purge on, the owner, and only rows past the
-- cutoff). Leaves one PURGE_AUDIT_LOGS row saying what went: how many, the
-- oldest and newest removed, per action. The per-day counts follow.
create or replace function app.purge_audit_logs_v1(p_batch integer default 50000) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_days integer;
    v_cutoff timestamptz;
    v_summary jsonb;
begin
    select s.value::integer into v_days from app.settings as s where s.key = 'audit_retention_days';
    if v_days is null then
        return jsonb_build_object('deleted', 0, 'reason', 'audit_retention_days is not set');
    end if;
    v_cutoff := now() - make_interval(days => v_days);
    perform set_config('hithonix.audit_purge', 'on', true);
    perform set_config('hithonix.audit_purge_cutoff', v_cutoff::text, true);
    with doomed as (
        select a.id from app.audit_logs as a
        where a.created_at < v_cutoff
        order by a.created_at, a.id
        limit greatest(1, least(coalesce(p_batch, 50000), 1000000))
    ),
    gone as (
        delete from app.audit_logs as a using doomed as d where a.id = d.id
        returning a.created_at, a.action
    ),
    per_day as (
        select (g.created_at at time zone 'UTC')::date as day, g.action, count(*) as n
        from gone as g group by 1, 2
    ),
    counted as (
        update app.audit_log_day_counts as c set n = c.n - p.n
        from per_day as p where c.day = p.day and c.action = p.action
        returning c.day
    )
    select jsonb_build_object(
        'deleted', coalesce(sum(p.n), 0),
        'cutoff', v_cutoff,
        'retention_days', v_days,
        'oldest_day', min(p.day),
        'newest_day', max(p.day),
        'by_action', coalesce(
            (select jsonb_object_agg(x.action, x.n) from (
                select p2.action, sum(p2.n) as n from per_day as p2 group by p2.action
            ) as x), '{}'
        ),
        'day_counts_updated', (select count(*) from counted)
    ) into v_summary
    from per_day as p;
    perform set_config('hithonix.audit_purge', 'off', true);
    delete from app.audit_log_day_counts as c where c.n = 0;
    if (v_summary ->> 'deleted')::bigint > 0 then
        perform set_config('request.jwt.claims', '{"role": "system", "sub": "system.retention"}', true);
        perform app.audit('PURGE_AUDIT_LOGS', 'audit_logs', null, null, null, null, null, v_summary);
    end if;
    return v_summary;
end
$$;
comment on function app.purge_audit_logs_v1(integer) is
'Retention: delete audit rows older than audit_retention_days (oldest first, a batch per call), leave a summary row.';
grant execute on function app.purge_audit_logs_v1(integer) to hithonix_worker;
