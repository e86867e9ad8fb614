-- Leave in the day derivation: the one place that decides what approved leave
-- does to an employee-day. app.leave_day() overlays a derived daily_status row
-- (leave_portion; PUNCH_ON_LEAVE when there are punches on a full-day leave).
-- It is called at the end of app.replay_day (the recomputation) and by the
-- daily_status row trigger _500_leave (every stored write, whichever path makes
-- it), so stored == recomputed holds for leave days too. current_status stays the
-- punch state machine's; the API shows ON_LEAVE for a full-day leave without punches.

-- Half-day slots of one date (see leave_requests.slots): [2n, 2n+2).
create or replace function app.leave_day_slots(p_date date) returns int4range
language sql immutable strict
as $$
    select int4range(2 * (p_date - date '2000-01-01'), 2 * (p_date - date '2000-01-01') + 2)
$$;

-- FULL_DAY, FIRST_HALF, SECOND_HALF or null: the approved leave on that date.
create or replace function app.leave_portion(p_employee_id uuid, p_date date) returns text
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_first integer := 2 * (p_date - date '2000-01-01');
    v_am boolean;
    v_pm boolean;
begin
    select bool_or(r.slots @> v_first), bool_or(r.slots @> (v_first + 1)) into v_am, v_pm
    from app.leave_requests as r
    where r.employee_id = p_employee_id
        and r.status = 'APPROVED'
        and r.slots && int4range(v_first, v_first + 2);
    return case
        when v_am and v_pm then 'FULL_DAY'
        when v_am then 'FIRST_HALF'
        when v_pm then 'SECOND_HALF'
    end;
end
$$;
comment on function app.leave_portion(uuid, date) is 'The approved leave on one employee-day, if any.';

create or replace function app.leave_day(p_day app.daily_status) returns app.daily_status
language plpgsql stable
as $$
begin
    p_day.leave_portion := app.leave_portion(p_day.employee_id, p_day.business_date_ist);
    -- removed and re-added last, so the code's place never depends on the write path
    p_day.anomalies := array_remove(p_day.anomalies, 'PUNCH_ON_LEAVE');
    if p_day.leave_portion = 'FULL_DAY' and p_day.event_count > 0 then
        p_day.anomalies := p_day.anomalies || 'PUNCH_ON_LEAVE'::text;
    end if;
    return p_day;
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
grant execute on function app.leave_day(app.daily_status), app.leave_portion(uuid, date) to hr_admin;
