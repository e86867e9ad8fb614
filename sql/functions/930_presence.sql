-- The presence board (issue 15), the security alerts' acknowledgement and
-- the presence channel's payload.
--
-- Presence reads what the derivation maintains, no second truth: each
-- employee's latest app.daily_status row of today or yesterday (IST business
-- dates; a night shift belongs to the date it started) whose state is
-- ON_SHIFT, ON_BREAK or ON_LUNCH and not open longer than max_shift_hours
-- (that is MISSING_CLOCK_OUT, not presence). Where: the reader of their latest
-- IN scan since they clocked in (null when they clocked in from the web or
-- Slack). hr_admin sees everyone, an approver their reporting chain.

-- The open-shift cutoff of presence: a day first clocked in before this
-- instant is MISSING_CLOCK_OUT, not presence (max_shift_hours, 20 when unset).
-- The board and the lockup (app.checked_in_at_site) both pass it to
-- app.presence_rows, so they agree on who is in.
create or replace function app.presence_open_since() returns timestamptz
language sql stable
as $$
    select now() - coalesce(app.max_shift_interval(), interval '20 hours')
$$;

-- The rows, for a caller that decided who may be seen (p_everyone, else
-- p_visible), today's IST date and the open-shift cutoff (now() -
-- max_shift_hours) once: passed as values they are compared per row as
-- constants; written as now() expressions they were re-evaluated per row (a
-- time-zone conversion each: half the scan's cost at 10,000 employees).
-- Invoker and inlinable. The employees join reads the narrow covering index
-- employees_presence_idx (id, department, full_name) when its pages are
-- all-visible; the day rows come from daily_status_date_employee_idx (the
-- last two business dates) once the table holds history.
create or replace function app.presence_rows(
    p_department text, p_everyone boolean, p_visible uuid[], p_today date, p_open_since timestamptz
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
    where ds.business_date_ist >= p_today - 1
        and ds.current_status in ('ON_SHIFT', 'ON_BREAK', 'ON_LUNCH')
        and not (ds.first_clock_in < p_open_since)  -- that is MISSING_CLOCK_OUT, not presence
        and (p_everyone or ds.employee_id = any(p_visible))
        and (p_department is null or e.department = p_department)
        and (
            ds.business_date_ist >= p_today
            or not exists (
                select 1 from app.daily_status as later
                where later.employee_id = ds.employee_id and later.business_date_ist > ds.business_date_ist
            )
        )
$$;

-- The board: the on-site rows once (materialized), the three counts from one
-- grouping of them (status x department: at most 3 x departments groups), the
-- page by a top-N sort of the same rows, and the reader of each of the page's
-- rows only (an index-only probe of badge_scans_employee_idx per row).
-- plan_cache_mode = force_custom_plan: from its sixth call in a session (every
-- pooled PostgREST connection) PL/pgSQL would switch to a generic plan, which
-- cannot see that p_everyone is true and p_department null, estimates a few
-- dozen rows and probes daily_status once per employee (a nested loop over
-- 10,000 employees: twice the hash join's time). Planning each call costs
-- well under a millisecond.
create or replace function app.presence(
    p_department text default null, p_page integer default 1, p_page_size integer default 100
) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
    -- once, as values: passed as expressions they would be evaluated per row of the inlined query
    v_everyone boolean := app.current_app_role() = 'hr_admin';
    v_visible uuid [] := case when app.current_app_role() = 'approver' then app.visible_employee_ids() else '{}' end;
    v_today date := app.ist_date(now());
    v_open_since timestamptz := app.presence_open_since();
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
            select * from app.presence_rows(p_department, v_everyone, v_visible, v_today, v_open_since)
        ),
        groups as materialized (
            select h.status, h.department, count(*) as n from here as h group by h.status, h.department
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
                'on_site', (select coalesce(sum(g.n), 0)::bigint from groups as g),
                'by_status', (select coalesce(jsonb_object_agg(s.status, s.n), '{}')
                    from (select g.status, sum(g.n)::bigint as n from groups as g group by g.status) as s),
                'by_department', (select coalesce(jsonb_object_agg(coalesce(d.department, '(none)'), d.n), '{}')
                    from (select g.department, sum(g.n)::bigint as n from groups as g group by g.department) as d)
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
comment on function app.presence(text, integer, integer) is
'Who is on site now (hr_admin: everyone; approver: their chain): counts by status and department, one page of rows.';
grant execute on function app.presence(text, integer, integer) to approver, hr_admin;

create or replace function app.security_alerts_list(p_open_only boolean default true, p_limit integer default 100)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.require_role(array['hr_admin']);
    if p_limit is null or p_limit not between 1 and 1000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'limit must be from 1 to 1000.', '{"field": "limit"}');
    end if;
    return coalesce((
        select jsonb_agg(to_jsonb(a) || jsonb_build_object('location', d.location) order by a.at desc, a.id desc)
        from (
            select * from app.security_alerts as x
            where not coalesce(p_open_only, true) or x.acknowledged_at is null
            order by x.at desc, x.id desc limit p_limit
        ) as a
        left join app.kiosk_devices as d on a.device_id = d.id
    ), '[]');
end
$$;
grant execute on function app.security_alerts_list(boolean, integer) to hr_admin;

create or replace function app.acknowledge_alert(p_alert_id bigint, p_note text default null) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_alert app.security_alerts;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_max_length('note', p_note, 1000);
    select * into v_alert from app.security_alerts as a where a.id = p_alert_id for update;
    if not found then
        perform app.fail(404, 'ALERT_NOT_FOUND', 'No security alert has this id.');
    end if;
    if v_alert.acknowledged_at is not null then
        return to_jsonb(v_alert);  -- acknowledged once; a retry changes nothing
    end if;
    update app.security_alerts as a
    set acknowledged_by = app.current_actor(), acknowledged_at = now(), acknowledge_note = p_note
    where a.id = p_alert_id
    returning * into v_alert;
    perform app.audit('ACKNOWLEDGE_ALERT', 'security_alert', p_alert_id::text, null, p_note, null, to_jsonb(v_alert));
    return to_jsonb(v_alert);
end
$$;
comment on function app.acknowledge_alert(bigint, text) is 'hr_admin: acknowledge a security alert (once).';
grant execute on function app.acknowledge_alert(bigint, text) to hr_admin;

-- The presence channel's payload for a day (the gateway reads it): the one
-- builder for the notice of an INSERT (app.tg_daily_status__notify_presence,
-- sql/triggers/900_frontdesk.sql) and of an UPDATE
-- (app.tg_daily_status__period_lock_update, sql/triggers/730_period_lock.sql).
create or replace function app.presence_payload(p_day app.daily_status) returns text
language sql stable
as $$
    select jsonb_build_object(
        'employee_id', p_day.employee_id, 'business_date', p_day.business_date_ist,
        'status', p_day.current_status, 'since', p_day.state_since
    )::text
$$;
