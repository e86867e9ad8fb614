-- The status board as people read it: for one business date, how many are in
-- each state, and the rows that need someone's attention (locked, anomalies,
-- missing clock-out, sync errors), a page at a time in employee id order (stable
-- across pages, cheap at any size), with names. hr_admin sees
-- the whole company, an approver their chain (app.visible_employee_ids, the
-- rule the RLS policies use): the function runs as the owner and applies that
-- scope itself, so the chain is walked once per request, not once per policy
-- check. The plain GET /daily_status stays for exports (every row, every column).
-- Planned for each call's values (plan_cache_mode): the scope folds away, so
-- hr_admin's page stops early on the (date, employee) index and an approver's
-- rows are index probes of their chain. A cached generic plan, which PL/pgSQL
-- switches to after a session's first five calls, keeps `hr_admin or
-- employee_id = any(chain)` as a filter: after hr_admin's calls on a pooled
-- connection an approver's board then read the company's whole day (10,000
-- employees: 9,483 rows filtered out against the chain, 24 ms for 15 rows).

create or replace function app.status_board(p_date date, p_page integer, p_page_size integer)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
    v_max_shift constant interval := app.max_shift_interval();
    v_everyone boolean;
    v_scope uuid[];
    v_result jsonb;
begin
    perform app.require_role(array['approver', 'hr_admin']);
    v_everyone := app.current_app_role() = 'hr_admin';
    if not v_everyone then
        v_scope := app.visible_employee_ids();
    end if;
    p_date := coalesce(p_date, app.ist_date(now()));
    if p_page is null or p_page < 1 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page counts from 1.');
    end if;
    if p_page_size is null or p_page_size not between 1 and 500 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page_size must be between 1 and 500.');
    end if;
    -- counts: one pass over the date's rows, flags only (no per-row arrays)
    with flagged as (
        select
            ds.current_status,
            ds.is_locked,
            ds.has_sync_errors,
            cardinality(ds.anomalies) > 0 as stored_anomalies,
            app.is_missing_clock_out(ds.current_status, ds.first_clock_in, v_max_shift) as missing_clock_out
        from app.daily_status as ds
        where ds.business_date_ist = p_date and (v_everyone or ds.employee_id = any(v_scope))
    ),
    counts as (
        select
            count(*) as total,
            count(*) filter (where f.current_status = 'ON_SHIFT') as on_shift,
            count(*) filter (where f.current_status = 'ON_BREAK') as on_break,
            count(*) filter (where f.current_status = 'ON_LUNCH') as on_lunch,
            count(*) filter (where f.current_status = 'OFF_DUTY') as off_duty,
            count(*) filter (where f.is_locked) as locked,
            count(*) filter (where f.stored_anomalies or f.missing_clock_out) as with_anomalies,
            count(*) filter (where f.missing_clock_out) as missing_clock_out,
            count(*) filter (where f.has_sync_errors) as sync_errors,
            count(*) filter (
                where f.is_locked or f.has_sync_errors or f.stored_anomalies or f.missing_clock_out
            ) as needs_attention
        from flagged as f
    ),
    -- the page: rows needing attention in employee_id order (the date's index
    -- order, so a page reads about its own rows), then their names
    attention as (
        select
            ds.employee_id,
            ds.current_status,
            ds.first_clock_in,
            ds.last_clock_out,
            ds.worked_minutes,
            app.with_missing_clock_out(ds.anomalies, ds.current_status, ds.first_clock_in, v_max_shift)
                as anomalies,
            ds.is_locked,
            ds.lock_reason,
            ds.has_sync_errors
        from app.daily_status as ds
        where ds.business_date_ist = p_date and (v_everyone or ds.employee_id = any(v_scope))
            and (
                ds.is_locked or ds.has_sync_errors or cardinality(ds.anomalies) > 0
                or app.is_missing_clock_out(ds.current_status, ds.first_clock_in, v_max_shift)
            )
        order by ds.employee_id
        limit p_page_size offset (p_page - 1) * p_page_size
    ),
    page as (
        select
            a.employee_id,
            e.full_name,
            a.current_status,
            a.first_clock_in,
            a.last_clock_out,
            a.worked_minutes,
            a.anomalies,
            a.is_locked,
            a.lock_reason,
            a.has_sync_errors
        from attention as a
        inner join app.employees as e on e.id = a.employee_id
    )
    select jsonb_build_object(
        'business_date', p_date,
        'counts', (select to_jsonb(counts) from counts),
        'page', p_page,
        'page_size', p_page_size,
        'attention', coalesce(
            (select jsonb_agg(to_jsonb(page) order by page.employee_id) from page), '[]'
        )
    ) into v_result;
    return v_result;
end
$$;
comment on function app.status_board(date, integer, integer) is
'Counts by state and the page of rows needing attention for one date (RLS decides whose).';
grant execute on function app.status_board(date, integer, integer) to approver, hr_admin;
