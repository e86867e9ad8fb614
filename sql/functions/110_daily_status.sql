-- The derivation of daily_status from the ledger, and its proof.
--
-- derive_day() replays one employee-day's live events (VOIDs and voided events
-- left out) through the day's state machine. It never fails: history that the
-- live state machine would refuse (imports, admin events) is flagged as
-- anomalies or locks instead. Minutes are whole minutes, floored, of the
-- seconds spent in each state. Lock reasons raised by events at or below the
-- latest unlock's through_event_id are cleared; the first later one sticks.

-- An anomaly code added to a day's list of codes, once (the list keeps the
-- order in which the codes were first raised). Also used by api.daily_status
-- for the read-time MISSING_CLOCK_OUT.
create or replace function app.add_anomaly_code(p_codes text[], p_code text) returns text[]
language sql immutable
as $$
    select case when p_code = any(p_codes) then p_codes else p_codes || p_code end
$$;
grant execute on function app.add_anomaly_code(text[], text) to employee, approver, hr_admin;

-- The event behind an anomaly, added to the map code -> [event ids].
create or replace function app.add_anomaly_event(p_map jsonb, p_code text, p_event_id bigint) returns jsonb
language sql immutable
as $$
    select p_map || jsonb_build_object(p_code, coalesce(p_map -> p_code, '[]') || to_jsonb(p_event_id))
$$;

-- Flag one anomaly during a replay: the code in the day's list, the event in the
-- map. The replay calls this once per anomaly it finds.
create or replace function app.flag_anomaly(
    inout p_codes text[], inout p_events jsonb, p_code text, p_event_id bigint
)
language plpgsql immutable
as $$
begin
    p_codes := app.add_anomaly_code(p_codes, p_code);
    p_events := app.add_anomaly_event(p_events, p_code, p_event_id);
end
$$;

-- MISSING_CLOCK_OUT depends on the clock, so it is never stored: a day still open
-- after max_shift_hours is missing its clock-out at read time (api.daily_status,
-- the anomaly report). SQL so that both inline into the view's plan; the caller
-- passes max_shift_hours as an interval, looked up once per query.
create or replace function app.is_missing_clock_out(
    p_status app.day_status, p_first_clock_in timestamptz, p_max_shift interval
) returns boolean
language sql stable
as $$
    select p_status <> 'OFF_DUTY' and now() - p_first_clock_in > p_max_shift
$$;

create or replace function app.with_missing_clock_out(
    p_codes text[], p_status app.day_status, p_first_clock_in timestamptz, p_max_shift interval
) returns text[]
language sql stable
as $$
    select case
        when app.is_missing_clock_out(p_status, p_first_clock_in, p_max_shift)
            then app.add_anomaly_code(p_codes, 'MISSING_CLOCK_OUT')
        else p_codes
    end
$$;
grant execute on function app.is_missing_clock_out(app.day_status, timestamptz, interval),
app.with_missing_clock_out(text[], app.day_status, timestamptz, interval) to employee, approver, hr_admin;

-- The replay itself: the day, and which events raised each anomaly (for the
-- anomaly report). derive_day() is the day alone.
create or replace function app.replay_day(
    p_employee_id uuid, p_date date, out day app.daily_status, out anomaly_events jsonb
)
language plpgsql volatile
as $$
declare
    v app.daily_status;
    e record;
    v_policy jsonb := app.policy(p_employee_id);
    v_break_allow integer := (v_policy ->> 'break_allowance_minutes')::integer;
    v_lunch_allow integer := (v_policy ->> 'lunch_allowance_minutes')::integer;
    v_one_in boolean := (v_policy ->> 'one_clock_in_per_day')::boolean;
    v_general boolean := coalesce(v_policy ->> 'shift_type', 'GENERAL') = 'GENERAL';
    v_shift_end timestamp := p_date + coalesce(v_policy -> 'general_shift' ->> 'end', '19:00')::time;
    v_watermark bigint;
    v_state app.day_status := 'OFF_DUTY';
    v_since timestamptz;
    v_secs bigint;
    v_worked bigint := 0;
    v_break bigint := 0;
    v_lunch bigint := 0;
    v_lunches integer := 0;
    v_reason text;
begin
    anomaly_events := '{}';
    select coalesce(max(u.through_event_id), 0) into v_watermark
    from app.day_unlocks as u
    where u.employee_id = p_employee_id and u.business_date_ist = p_date;

    v.employee_id := p_employee_id;
    v.business_date_ist := p_date;
    v.event_count := 0;
    v.anomalies := '{}';
    v.has_sync_errors := false;

    for e in
        select ev.id, ev.event_type, ev.occurred_at, ev.sync_status
        from app.attendance_events as ev
        where ev.employee_id = p_employee_id
            and ev.business_date_ist = p_date
            and ev.event_type <> 'VOID'
            and not exists (
                select 1 from app.attendance_events as x where x.corrects_event_id = ev.id
            )
        order by ev.occurred_at, ev.id
    loop
        v.event_count := v.event_count + 1;
        v.last_event_id := e.id;
        v.last_event_at := e.occurred_at;
        v_reason := null;

        -- close the current segment (time since the last state change)
        if v_state <> 'OFF_DUTY' and e.event_type <> 'CLOCK_IN' then
            v_secs := floor(extract(epoch from e.occurred_at - v_since))::bigint;
            case v_state
                when 'ON_SHIFT' then v_worked := v_worked + v_secs;
                when 'ON_BREAK' then v_break := v_break + v_secs;
                when 'ON_LUNCH' then v_lunch := v_lunch + v_secs;
            end case;
            v_since := e.occurred_at;
        end if;

        case e.event_type
            when 'CLOCK_IN' then
                if v_state <> 'OFF_DUTY' or (v_one_in and v.first_clock_in is not null) then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'DUPLICATE_CLOCK_IN', e.id);
                end if;
                if v_state = 'OFF_DUTY' then
                    v_state := 'ON_SHIFT';
                    v_since := e.occurred_at;
                    v.first_clock_in := coalesce(v.first_clock_in, e.occurred_at);
                end if;
            when 'CLOCK_OUT' then
                if v_state = 'OFF_DUTY' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'EVENT_WITHOUT_SHIFT', e.id);
                else
                    if v_state = 'ON_BREAK' then
                        select * into v.anomalies, anomaly_events
                        from app.flag_anomaly(v.anomalies, anomaly_events, 'UNCLOSED_BREAK', e.id);
                        if v_break / 60 > v_break_allow then v_reason := 'BREAK_OVERLIMIT'; end if;
                    elsif v_state = 'ON_LUNCH' then
                        select * into v.anomalies, anomaly_events
                        from app.flag_anomaly(v.anomalies, anomaly_events, 'LUNCH_MISMATCH', e.id);
                    end if;
                    v_state := 'OFF_DUTY';
                    v.last_clock_out := e.occurred_at;
                    if v_general and app.ist_wall_clock(e.occurred_at) < v_shift_end then
                        v_reason := coalesce(v_reason, 'EARLY_CLOCK_OUT_BEFORE_7PM');
                    end if;
                end if;
            when 'BREAK_START' then
                if v_state = 'OFF_DUTY' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'EVENT_WITHOUT_SHIFT', e.id);
                elsif v_state = 'ON_BREAK' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'UNCLOSED_BREAK', e.id);
                elsif v_state = 'ON_LUNCH' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'LUNCH_MISMATCH', e.id);
                else
                    v_state := 'ON_BREAK';
                end if;
            when 'BREAK_END' then
                if v_state = 'OFF_DUTY' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'EVENT_WITHOUT_SHIFT', e.id);
                elsif v_state = 'ON_BREAK' then
                    v_state := 'ON_SHIFT';
                    if v_break / 60 > v_break_allow then v_reason := 'BREAK_OVERLIMIT'; end if;
                else
                    v_reason := 'BREAK_END_WITHOUT_START';
                end if;
            when 'LUNCH_START' then
                if v_state = 'OFF_DUTY' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'EVENT_WITHOUT_SHIFT', e.id);
                elsif v_state = 'ON_LUNCH' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'LUNCH_MISMATCH', e.id);
                else
                    if v_state = 'ON_BREAK' then
                        select * into v.anomalies, anomaly_events
                        from app.flag_anomaly(v.anomalies, anomaly_events, 'UNCLOSED_BREAK', e.id);
                    end if;
                    if v_lunches > 0 then
                        select * into v.anomalies, anomaly_events
                        from app.flag_anomaly(v.anomalies, anomaly_events, 'LUNCH_MISMATCH', e.id);
                    end if;
                    v_lunches := v_lunches + 1;
                    v_state := 'ON_LUNCH';
                end if;
            when 'LUNCH_END' then
                if v_state = 'OFF_DUTY' then
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'EVENT_WITHOUT_SHIFT', e.id);
                elsif v_state = 'ON_LUNCH' then
                    v_state := 'ON_SHIFT';
                    if v_lunch / 60 > v_lunch_allow then v_reason := 'LUNCH_OVERLIMIT'; end if;
                else
                    select * into v.anomalies, anomaly_events
                    from app.flag_anomaly(v.anomalies, anomaly_events, 'LUNCH_MISMATCH', e.id);
                    v_reason := 'LUNCH_END_WITHOUT_START';
                end if;
        end case;

        if v_reason is not null and v.lock_reason is null and e.id > v_watermark then
            v.lock_reason := v_reason;
        end if;
    end loop;

    v.current_status := v_state;
    v.worked_minutes := v_worked / 60;
    v.break_minutes_used := v_break / 60;
    v.lunch_minutes := v_lunch / 60;
    v.is_locked := v.lock_reason is not null;
    v.has_sync_errors := exists (
        select 1 from app.attendance_events as ev
        where ev.employee_id = p_employee_id
            and ev.business_date_ist = p_date
            and ev.sync_status in ('FAILED', 'PERMANENT_FAILURE')
    );
    v.updated_at := now();
    day := app.leave_day(v);  -- approved leave (sql/functions/600_leave_day.sql)
end
$$;
comment on function app.replay_day(uuid, date) is
'Replay one employee-day: the derived daily_status and the events behind each anomaly.';
grant execute on function app.replay_day(uuid, date), app.add_anomaly_event(jsonb, text, bigint),
app.flag_anomaly(text[], jsonb, text, bigint) to hr_admin;

create or replace function app.derive_day(p_employee_id uuid, p_date date)
returns app.daily_status
language plpgsql volatile
as $$
begin
    return (app.replay_day(p_employee_id, p_date)).day;
end
$$;
comment on function app.derive_day(uuid, date) is
'Recompute one employee-day of daily_status from the ledger alone.';

-- Upsert the derived rows for a set of employee-days (parallel arrays).
create or replace function app.refresh_daily_status(p_employee_ids uuid[], p_dates date[])
returns integer
language plpgsql volatile
as $$
declare
    v_count integer;
begin
    insert into app.daily_status as ds
    select d.*
    from (select distinct k.employee_id, k.day from unnest(p_employee_ids, p_dates) as k (employee_id, day)) as keys
    cross join lateral app.derive_day(keys.employee_id, keys.day) as d
    order by keys.employee_id, keys.day
    on conflict (employee_id, business_date_ist) do update set
        current_status = excluded.current_status,
        first_clock_in = excluded.first_clock_in,
        last_clock_out = excluded.last_clock_out,
        last_event_id = excluded.last_event_id,
        last_event_at = excluded.last_event_at,
        worked_minutes = excluded.worked_minutes,
        break_minutes_used = excluded.break_minutes_used,
        lunch_minutes = excluded.lunch_minutes,
        event_count = excluded.event_count,
        anomalies = excluded.anomalies,
        is_locked = excluded.is_locked,
        lock_reason = excluded.lock_reason,
        has_sync_errors = excluded.has_sync_errors,
        updated_at = excluded.updated_at;
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- Stored vs recomputed for every employee-day in a range: must return no rows.
create or replace function app.daily_status_differences(p_from date, p_to date)
returns table (employee_id uuid, business_date_ist date, stored jsonb, recomputed jsonb)
language sql volatile
as $$
    with days as (
        select distinct ev.employee_id, ev.business_date_ist
        from app.attendance_events as ev
        where ev.business_date_ist between p_from and p_to
        union
        select ds.employee_id, ds.business_date_ist
        from app.daily_status as ds
        where ds.business_date_ist between p_from and p_to
    ),
    compared as (
        select
            days.employee_id,
            days.business_date_ist,
            to_jsonb(ds) - 'updated_at' as stored,
            to_jsonb(d) - 'updated_at' as recomputed
        from days
        left join app.daily_status as ds
            on ds.employee_id = days.employee_id and ds.business_date_ist = days.business_date_ist
        cross join lateral app.derive_day(days.employee_id, days.business_date_ist) as d
    )
    select c.employee_id, c.business_date_ist, c.stored, c.recomputed
    from compared as c
    where c.stored is distinct from c.recomputed
$$;
comment on function app.daily_status_differences(date, date) is
'Employee-days whose stored daily_status differs from a recomputation (expected: none).';
