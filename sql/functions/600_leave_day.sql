-- Leave in the day derivation: the one place that decides what approved leave
-- does to an employee-day. app.leave_day() overlays a derived daily_status row
-- (leave_portion; PUNCH_ON_LEAVE when there are punches on a full-day leave).
-- It is called at the end of app.derive_days (the recomputation, which every
-- replay and refresh goes through); the live punch's one step
-- (app.apply_live_punch) carries the stored day's leave_portion forward —
-- approving or cancelling leave re-derives its days in the same transaction —
-- and applies app.leave_overlay, so stored == recomputed holds for leave days
-- too without a leave lookup per punch. current_status stays the
-- punch state machine's; the API shows ON_LEAVE for a full-day leave without punches.

-- Half-day slots of one date (see leave_requests.slots): [2n, 2n+2).
create or replace function app.leave_day_slots(p_date date) returns int4range
language sql immutable strict
as $$
    select int4range(2 * (p_date - date '2000-01-01'), 2 * (p_date - date '2000-01-01') + 2)
$$;

-- FULL_DAY, FIRST_HALF, SECOND_HALF or null: the approved leave on each of
-- many employee-days (parallel arrays), in one statement (the replay,
-- app.derive_days: one call per pass, not one query per day). Leave exists
-- only inside the requests' date bounds (infinite or absurd days have none).
-- PL/pgSQL (RETURN QUERY) with a generic plan, so that its plan is cached: as
-- a SQL function with SET it is never inlined and was planned on every call,
-- and a custom plan for the arrays' exact sizes always looks cheaper than the
-- generic one, so the plan cache would plan every call too (0.3-0.5 ms for a
-- live punch's first day row, issue 11; the plan is the same lateral index
-- lookup per employee-day either way).
create or replace function app.leave_portions(p_employee_ids uuid[], p_dates date[])
returns table (employee_id uuid, business_date_ist date, leave_portion text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
as $$
begin
    return query
    select
        k.employee_id,
        k.day,
        case
            when l.am and l.pm then 'FULL_DAY'
            when l.am then 'FIRST_HALF'
            when l.pm then 'SECOND_HALF'
        end
    from (
        select distinct x.employee_id, x.day, case
            when x.day between date '2000-01-01' and date '2100-12-31' then 2 * (x.day - date '2000-01-01')
        end as first_slot
        from unnest(p_employee_ids, p_dates) as x (employee_id, day)
    ) as k
    cross join lateral (
        select bool_or(r.slots @> k.first_slot) as am, bool_or(r.slots @> (k.first_slot + 1)) as pm
        from app.leave_requests as r
        where r.employee_id = k.employee_id
            and r.status = 'APPROVED'
            and r.slots && int4range(k.first_slot, k.first_slot + 2)
            and k.first_slot is not null
    ) as l;
end
$$;
comment on function app.leave_portions(uuid[], date[]) is
'The approved leave (FULL_DAY, FIRST_HALF, SECOND_HALF or null) of many employee-days, in one statement.';

-- The same for one employee-day (a live punch's first day row).
create or replace function app.leave_portion(p_employee_id uuid, p_date date) returns text
language plpgsql stable
as $$
begin
    return (select p.leave_portion from app.leave_portions(array[p_employee_id], array[p_date]) as p);
end
$$;
comment on function app.leave_portion(uuid, date) is 'The approved leave on one employee-day, if any.';

-- What a day's leave_portion does to its anomalies: PUNCH_ON_LEAVE when there
-- are punches on a full-day leave.
create or replace function app.leave_overlay(p_day app.daily_status) returns app.daily_status
language plpgsql immutable
as $$
begin
    -- removed and re-added last, so the code's place never depends on the write path
    p_day.anomalies := array_remove(p_day.anomalies, 'PUNCH_ON_LEAVE');
    if p_day.leave_portion = 'FULL_DAY' and p_day.event_count > 0 then
        p_day.anomalies := p_day.anomalies || 'PUNCH_ON_LEAVE'::text;
    end if;
    return p_day;
end
$$;
comment on function app.leave_overlay(app.daily_status) is
'PUNCH_ON_LEAVE from a day''s own leave_portion (punches on a full-day leave), always last among the anomalies.';

create or replace function app.leave_day(p_day app.daily_status) returns app.daily_status
language plpgsql stable
as $$
begin
    p_day.leave_portion := app.leave_portion(p_day.employee_id, p_day.business_date_ist);
    return app.leave_overlay(p_day);
end
$$;
comment on function app.leave_day(app.daily_status) is
'Overlay approved leave on a derived day: leave_portion, and PUNCH_ON_LEAVE for punches on a full-day leave.';

-- Re-derive every day a leave covers (approve and cancel, in their transaction).
create or replace function app.leave_refresh_days(p_employee_id uuid, p_from date, p_to date) returns integer
language sql volatile
as $$
    select app.refresh_daily_status(array_agg(p_employee_id), array_agg(d.day::date))
    from generate_series(p_from, p_to, interval '1 day') as d (day)
$$;

-- hr_admin's anomaly report replays days with its own rights
grant execute on function
app.leave_day(app.daily_status), app.leave_overlay(app.daily_status), app.leave_portion(uuid, date),
app.leave_portions(uuid[], date[])
to hr_admin;
