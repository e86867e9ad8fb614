-- The status board as people read it: for one business date, how many are in
-- each state, and the rows that need someone's attention (locked, anomalies,
-- missing clock-out, sync errors), a page at a time, with names. hr_admin sees
-- the whole company, an approver their chain: the function runs with the
-- caller's rights, so the RLS policies on daily_status and employees decide.
-- The plain GET /daily_status stays for exports (every row, every column).

create or replace function app.status_board(p_date date, p_page integer, p_page_size integer)
returns jsonb
language plpgsql stable
as $$
declare
    v_max_shift constant interval := app.max_shift_interval();
    v_result jsonb;
begin
    perform app.require_role(array['approver', 'hr_admin']);
    p_date := coalesce(p_date, app.ist_date(now()));
    if p_page is null or p_page < 1 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page counts from 1.');
    end if;
    if p_page_size is null or p_page_size not between 1 and 500 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page_size must be between 1 and 500.');
    end if;
    with days as (
        select
            ds.employee_id,
            ds.current_status,
            ds.first_clock_in,
            ds.last_clock_out,
            ds.worked_minutes,
            ds.is_locked,
            ds.lock_reason,
            ds.has_sync_errors,
            app.with_missing_clock_out(ds.anomalies, ds.current_status, ds.first_clock_in, v_max_shift)
                as anomalies
        from app.daily_status as ds
        where ds.business_date_ist = p_date
    ),
    attention as (
        select days.*
        from days
        where days.is_locked or days.has_sync_errors or cardinality(days.anomalies) > 0
    ),
    counts as (
        select
            count(*) as total,
            count(*) filter (where days.current_status = 'ON_SHIFT') as on_shift,
            count(*) filter (where days.current_status = 'ON_BREAK') as on_break,
            count(*) filter (where days.current_status = 'ON_LUNCH') as on_lunch,
            count(*) filter (where days.current_status = 'OFF_DUTY') as off_duty,
            count(*) filter (where days.is_locked) as locked,
            count(*) filter (where cardinality(days.anomalies) > 0) as with_anomalies,
            count(*) filter (where 'MISSING_CLOCK_OUT' = any(days.anomalies)) as missing_clock_out,
            count(*) filter (where days.has_sync_errors) as sync_errors,
            count(*) filter (
                where days.is_locked or days.has_sync_errors or cardinality(days.anomalies) > 0
            ) as needs_attention
        from days
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
        order by e.full_name, a.employee_id
        limit p_page_size offset (p_page - 1) * p_page_size
    )
    select jsonb_build_object(
        'business_date', p_date,
        'counts', (select to_jsonb(counts) from counts),
        'page', p_page,
        'page_size', p_page_size,
        'attention', coalesce(
            (select jsonb_agg(to_jsonb(page) order by page.full_name, page.employee_id) from page), '[]'
        )
    ) into v_result;
    return v_result;
end
$$;
comment on function app.status_board(date, integer, integer) is
'Counts by state and the page of rows needing attention for one date (RLS decides whose).';
grant execute on function app.status_board(date, integer, integer) to approver, hr_admin;
-- what it calls with the caller's rights
grant execute on function app.ist_date(timestamptz), app.ist_wall_clock(timestamptz), app.require_role(text[]),
app.fail(integer, text, text, jsonb) to approver, hr_admin;
