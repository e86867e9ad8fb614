-- The presence board as it was before the desk3 change (main at ac7e2ad), frozen as the
-- same-run baseline of python -m bench.frontdesk: created in the bench database only, never
-- by migrations. Renamed app.bench_presence_before / app.bench_presence_rows_before.

create or replace function app.bench_presence_rows_before(
    p_department text, p_everyone boolean, p_visible uuid[], p_max_shift interval
)
returns table (
    employee_id uuid, full_name text, department text, status app.day_status, since timestamptz,
    state_since timestamptz, business_date_ist date
)
language sql stable
as $$
    -- the latest day row of today or yesterday: a row of today is the latest by itself, one of
    -- yesterday only when today has none (an index probe for those few rows only). No DISTINCT
    -- ON: the planner keeps the statistics of daily_status and joins employees by hash.
    select ds.employee_id, e.full_name, e.department, ds.current_status, ds.first_clock_in, ds.state_since,
        ds.business_date_ist
    from app.daily_status as ds
    inner join app.employees as e on ds.employee_id = e.id
    where ds.business_date_ist >= app.ist_date(now()) - 1
        and ds.current_status in ('ON_SHIFT', 'ON_BREAK', 'ON_LUNCH')
        and not (ds.first_clock_in < now() - p_max_shift)  -- that is MISSING_CLOCK_OUT, not presence
        and (p_everyone or ds.employee_id = any(p_visible))
        and (p_department is null or e.department = p_department)
        and (
            ds.business_date_ist >= app.ist_date(now())
            or not exists (
                select 1 from app.daily_status as later
                where later.employee_id = ds.employee_id and later.business_date_ist > ds.business_date_ist
            )
        )
$$;
create or replace function app.bench_presence_before(
    p_department text default null, p_page integer default 1, p_page_size integer default 100
) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    -- once, as values: passed as expressions they would be evaluated per row of the inlined query
    v_everyone boolean := app.current_app_role() = 'hr_admin';
    v_visible uuid [] := case when app.current_app_role() = 'approver' then app.visible_employee_ids() else '{}' end;
    v_max_shift interval := coalesce(app.max_shift_interval(), interval '20 hours');
begin
    perform app.require_role(array['approver', 'hr_admin']);
    perform app.require_max_length('department', p_department, 200);
    if p_page is null or p_page < 1 or p_page > 100000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page must be from 1 to 100000.', '{"field": "page"}');
    end if;
    if p_page_size is null or p_page_size not between 1 and 500 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'page_size must be from 1 to 500.', '{"field": "page_size"}');
    end if;
    return (
        with here as materialized (
            select * from app.bench_presence_rows_before(p_department, v_everyone, v_visible, v_max_shift)
        ),
        page as (
            select h.* from here as h
            -- byte order (collate "C"): a stable page order at a fraction of a locale sort's cost
            order by h.department collate "C" nulls last, h.full_name collate "C", h.employee_id
            offset (p_page - 1) * p_page_size limit p_page_size
        )
        select jsonb_build_object(
            'as_of', now(),
            'counts', jsonb_build_object(
                'on_site', (select count(*) from here),
                'by_status', (select coalesce(jsonb_object_agg(s.status, s.n), '{}')
                    from (select h.status, count(*) as n from here as h group by h.status) as s),
                'by_department', (select coalesce(jsonb_object_agg(coalesce(d.department, '(none)'), d.n), '{}')
                    from (select h.department, count(*) as n from here as h group by h.department) as d)
            ),
            'page', p_page, 'page_size', p_page_size,
            'rows', coalesce((
                select jsonb_agg(jsonb_build_object(
                    'employee_id', p.employee_id, 'full_name', p.full_name, 'department', p.department,
                    'status', p.status, 'since', p.since, 'state_since', p.state_since,
                    'device_id', w.device_id, 'location', w.location, 'site', w.site
                ) order by p.department collate "C" nulls last, p.full_name collate "C", p.employee_id)
                from page as p
                left join lateral (
                    select s.device_id, d.location, d.site
                    from app.badge_scans as s
                    inner join app.kiosk_devices as d on s.device_id = d.id
                    where s.employee_id = p.employee_id and s.outcome in ('IN', 'OUT')
                    order by s.id desc
                    limit 1
                ) as w on true
            ), '[]')
        )
    );
end
$$;
grant execute on function app.bench_presence_before(text, integer, integer) to approver, hr_admin;
