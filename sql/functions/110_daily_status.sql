-- The derivation of daily_status from the ledger, and its proof.
--
-- Two ways to one result:
-- * app.derive_days() replays a set of employee-days in ONE ordered pass over
--   their events (imports, VOIDs, admin events, out-of-order events, unlocks,
--   and the proof). It never fails: history that the live state machine would
--   refuse is flagged as anomalies or locks instead.
-- * app.step_day() applies one live punch to the stored day (the punch path,
--   sql/triggers/100_attendance_events.sql); it covers only what the live
--   state machine accepts, in order, and leaves everything else to a replay.
-- daily_status_differences() compares stored rows with a replay; the property
-- test interleaves both ways and finds no difference.
--
-- Minutes are whole minutes, floored, of the seconds spent in each state (the
-- seconds are kept in the row). Lock reasons raised by events at or below the
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

-- MISSING_CLOCK_OUT depends on the clock, so it is never stored: a day still open
-- after max_shift_hours is missing its clock-out at read time (api.daily_status,
-- the anomaly report). SQL so that both inline into the view's plan; the caller
-- passes max_shift_hours as an interval, looked up once per query.
create or replace function app.is_missing_clock_out(
    p_status app.day_status, p_first_clock_in timestamptz, p_max_shift interval
) returns boolean
language sql stable
as $$
    -- a comparison, not now() - p_first_clock_in: no interval overflow on a legacy -infinity
    select p_status <> 'OFF_DUTY' and p_first_clock_in < now() - p_max_shift
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

-- Flag one anomaly during a replay: the code in the day's list and, when the
-- caller collects them (the anomaly report), the event in the map code -> ids.
create or replace function app.flag_anomaly(
    inout p_codes text[], inout p_events jsonb, p_code text, p_event_id bigint
)
language plpgsql immutable
as $$
begin
    p_codes := app.add_anomaly_code(p_codes, p_code);
    if p_events is not null then
        p_events := p_events || jsonb_build_object(p_code, coalesce(p_events -> p_code, '[]') || to_jsonb(p_event_id));
    end if;
end
$$;

-- The settings, merged once per statement by their callers: app.policy() is
-- settings || shift_config; derive_days merges settings once per pass.
create or replace function app.settings_object() returns jsonb
language sql stable
as $$
    select coalesce(jsonb_object_agg(s.key, s.value), '{}') from app.settings as s
$$;

-- The replay: every employee-day in (p_employee_ids[i], p_dates[i]), one row
-- each (days without events too: OFF_DUTY, zero counts), in one pass: one row
-- per day from SQL, its events in order as arrays, and the state machine over
-- them here. anomaly_events (which events raised each anomaly, for the
-- anomaly report) only when asked for.
create or replace function app.derive_days(
    p_employee_ids uuid[], p_dates date[], p_with_events boolean default false
)
returns table (day app.daily_status, anomaly_events jsonb)
language plpgsql volatile
as $$
declare
    v_settings constant jsonb := app.settings_object();
    r record;
    -- the day being replayed, in scalars (cheaper per event than fields of v)
    v_state app.day_status;
    v_since timestamptz;
    v_first_in timestamptz;
    v_last_out timestamptz;
    v_worked integer;
    v_break integer;
    v_lunch integer;
    v_anomalies text[];
    v_lock text;
    v_lunches integer;
    -- the employee's policy, merged once per employee per pass
    v_policy_of uuid;
    v_policy jsonb;
    v_break_allow integer;
    v_lunch_allow integer;
    v_one_in boolean;
    v_general boolean;
    v_shift_end time;
    v_raised text[];
    v_reason text;
    v_code text;
begin
    for r in
        select
            keys.employee_id,
            keys.day,
            keys.watermark,
            keys.shift_config,
            keys.leave_portion,
            ev.ids,
            ev.types,
            ev.ats,
            ev.n,
            ev.lunch_starts,
            ev.sync_errors
        from (
            -- the distinct employee-days, each with its approved leave (one
            -- set-based lookup for the pass, sql/functions/600_leave_day.sql)
            -- and its unlock watermark, in the pass's order (OFFSET 0 keeps
            -- the subquery apart: one watermark lookup per day)
            select
                k.employee_id,
                k.business_date_ist as day,
                coalesce((
                    select max(u.through_event_id) from app.day_unlocks as u
                    where u.employee_id = k.employee_id and u.business_date_ist = k.business_date_ist
                ), 0) as watermark,
                k.leave_portion,
                e.shift_config
            from app.leave_portions(p_employee_ids, p_dates) as k
            inner join app.employees as e on e.id = k.employee_id
            order by 1, 2
            offset 0
        ) as keys
        -- one row per day: its events in order as arrays (without VOIDs and
        -- the events they void), their count and LUNCH_STARTs, and whether
        -- any event of the day, voided or not, failed to sync; what SQL counts
        -- costs no statement per event here (issue 11). Each day's events by
        -- the (employee, day) index: the planner estimates the days (a
        -- function's rows) at 1,000 whatever their number, and chose a hash
        -- join over a scan of the whole ledger, so a one-day replay read
        -- every row (~90 ms at 150,000 rows); the aggregate keeps this
        -- LATERAL apart
        cross join lateral (
            select
                array_agg(d.id) filter (where not d.dropped) as ids,
                array_agg(d.event_type) filter (where not d.dropped) as types,
                array_agg(d.occurred_at) filter (where not d.dropped) as ats,
                count(*) filter (where not d.dropped)::integer as n,
                count(*) filter (where not d.dropped and d.event_type = 'LUNCH_START')::integer as lunch_starts,
                coalesce(bool_or(d.sync_status in ('FAILED', 'PERMANENT_FAILURE')), false) as sync_errors
            from (
                select
                    x.id,
                    x.event_type,
                    x.occurred_at,
                    x.sync_status,
                    -- "is not null" restates the key's own condition so that
                    -- the lookup reads the index of VOIDs alone
                    -- (attendance_events_one_void_idx)
                    x.event_type = 'VOID' or exists (
                        select 1 from app.attendance_events as vd
                        where vd.corrects_event_id is not null and vd.corrects_event_id = x.id
                    ) as dropped
                from app.attendance_events as x
                where x.employee_id = keys.employee_id and x.business_date_ist = keys.day
                -- the aggregates above read a sorted subquery's rows in its
                -- order (the arrays are the day's events in replay order)
                order by x.occurred_at, x.id
            ) as d
        ) as ev
    loop
        -- PL/pgSQL's cost is per statement (~0.1 us each): per day the resets
        -- and one row constructor (not one assignment per column), per event
        -- only the state machine
        if v_policy_of is distinct from r.employee_id then
            v_policy_of := r.employee_id;
            v_policy := v_settings || coalesce(r.shift_config, '{}');
            v_break_allow := (v_policy ->> 'break_allowance_minutes')::integer;
            v_lunch_allow := (v_policy ->> 'lunch_allowance_minutes')::integer;
            v_one_in := (v_policy ->> 'one_clock_in_per_day')::boolean;
            v_general := coalesce(v_policy ->> 'shift_type', 'GENERAL') = 'GENERAL';
            v_shift_end := coalesce(v_policy -> 'general_shift' ->> 'end', '19:00')::time;
        end if;
        v_state := 'OFF_DUTY';
        v_since := null;
        v_first_in := null;
        v_last_out := null;
        v_worked := 0;
        v_break := 0;
        v_lunch := 0;
        v_anomalies := '{}';
        v_lock := null;
        v_lunches := 0;
        anomaly_events := case when p_with_events then '{}'::jsonb end;

        for i in 1 .. r.n loop
            -- close the current segment (whole seconds since the last state change)
            if v_state <> 'OFF_DUTY' and r.types[i] <> 'CLOCK_IN' then
                case v_state
                    when 'ON_SHIFT' then
                        v_worked := v_worked + floor(extract(epoch from r.ats[i] - v_since))::integer;
                    when 'ON_BREAK' then
                        v_break := v_break + floor(extract(epoch from r.ats[i] - v_since))::integer;
                    else
                        v_lunch := v_lunch + floor(extract(epoch from r.ats[i] - v_since))::integer;
                end case;
                v_since := r.ats[i];
            end if;

            case r.types[i]
                when 'CLOCK_IN' then
                    if v_state <> 'OFF_DUTY' or (v_one_in and v_first_in is not null) then
                        v_raised := array['DUPLICATE_CLOCK_IN'];
                    end if;
                    if v_state = 'OFF_DUTY' then
                        v_state := 'ON_SHIFT';
                        v_since := r.ats[i];
                        v_first_in := coalesce(v_first_in, r.ats[i]);
                    end if;
                when 'CLOCK_OUT' then
                    if v_state = 'OFF_DUTY' then
                        v_raised := array['EVENT_WITHOUT_SHIFT'];
                    else
                        if v_state = 'ON_BREAK' then
                            v_raised := array['UNCLOSED_BREAK'];
                            if v_break / 60 > v_break_allow then v_reason := 'BREAK_OVERLIMIT'; end if;
                        elsif v_state = 'ON_LUNCH' then
                            v_raised := array['LUNCH_MISMATCH'];
                        end if;
                        v_state := 'OFF_DUTY';
                        v_last_out := r.ats[i];
                        if v_general and app.ist_wall_clock(r.ats[i]) < r.day + v_shift_end then
                            v_reason := coalesce(v_reason, 'EARLY_CLOCK_OUT_BEFORE_7PM');
                        end if;
                    end if;
                when 'BREAK_START' then
                    case v_state
                        when 'OFF_DUTY' then v_raised := array['EVENT_WITHOUT_SHIFT'];
                        when 'ON_BREAK' then v_raised := array['UNCLOSED_BREAK'];
                        when 'ON_LUNCH' then v_raised := array['LUNCH_MISMATCH'];
                        else v_state := 'ON_BREAK';
                    end case;
                when 'BREAK_END' then
                    case v_state
                        when 'OFF_DUTY' then v_raised := array['EVENT_WITHOUT_SHIFT'];
                        when 'ON_BREAK' then
                            v_state := 'ON_SHIFT';
                            if v_break / 60 > v_break_allow then v_reason := 'BREAK_OVERLIMIT'; end if;
                        else v_reason := 'BREAK_END_WITHOUT_START';
                    end case;
                when 'LUNCH_START' then
                    if v_state = 'OFF_DUTY' then
                        v_raised := array['EVENT_WITHOUT_SHIFT'];
                    elsif v_state = 'ON_LUNCH' then
                        v_raised := array['LUNCH_MISMATCH'];
                    else
                        if v_state = 'ON_BREAK' then
                            v_raised := array['UNCLOSED_BREAK'];
                        end if;
                        if v_lunches > 0 then
                            v_raised := coalesce(v_raised, '{}') || 'LUNCH_MISMATCH'::text;
                        end if;
                        v_lunches := v_lunches + 1;
                        v_state := 'ON_LUNCH';
                    end if;
                when 'LUNCH_END' then
                    case v_state
                        when 'OFF_DUTY' then v_raised := array['EVENT_WITHOUT_SHIFT'];
                        when 'ON_LUNCH' then
                            v_state := 'ON_SHIFT';
                            if v_lunch / 60 > v_lunch_allow then v_reason := 'LUNCH_OVERLIMIT'; end if;
                        else
                            v_raised := array['LUNCH_MISMATCH'];
                            v_reason := 'LUNCH_END_WITHOUT_START';
                    end case;
            end case;

            -- v_raised and v_reason are null again after each event that set
            -- them (one test for the usual event that set neither)
            if v_raised is not null or v_reason is not null then
                if v_raised is not null then
                    foreach v_code in array v_raised loop
                        select * into v_anomalies, anomaly_events
                        from app.flag_anomaly(v_anomalies, anomaly_events, v_code, r.ids[i]);
                    end loop;
                    v_raised := null;
                end if;
                if v_reason is not null then
                    if v_lock is null and r.ids[i] > r.watermark then
                        v_lock := v_reason;
                    end if;
                    v_reason := null;
                end if;
            end if;
        end loop;

        -- in app.daily_status's column order (pinned by pgTAP 186), straight
        -- into the output column (no copy through a variable)
        day := row(
            r.employee_id, r.day, v_state, v_first_in, v_last_out, r.ids[r.n], r.ats[r.n],
            v_worked / 60, v_break / 60, v_lunch / 60, r.n, v_anomalies, v_lock is not null, v_lock,
            r.sync_errors, now(), case when v_state <> 'OFF_DUTY' then v_since end,
            v_worked, v_break, v_lunch, r.lunch_starts, r.leave_portion
        )::app.daily_status;
        -- approved leave (sql/functions/600_leave_day.sql); without leave the
        -- overlay leaves the row as it is (no call per day)
        if r.leave_portion is not null then
            day := app.leave_overlay(day);
        end if;
        return next;
    end loop;
end
$$;
comment on function app.derive_days(uuid[], date[], boolean) is
'Replay a set of employee-days in one ordered pass over their events.';

-- One employee-day, and which events raised each anomaly (the anomaly report).
create or replace function app.replay_day(
    p_employee_id uuid, p_date date, out day app.daily_status, out anomaly_events jsonb
)
language sql volatile
as $$
    select d.day, d.anomaly_events from app.derive_days(array[p_employee_id], array[p_date], true) as d
$$;
comment on function app.replay_day(uuid, date) is
'Replay one employee-day: the derived daily_status and the events behind each anomaly.';
grant execute on function app.replay_day(uuid, date), app.derive_days(uuid[], date[], boolean),
app.settings_object(), app.flag_anomaly(text[], jsonb, text, bigint) to hr_admin;

create or replace function app.derive_day(p_employee_id uuid, p_date date)
returns app.daily_status
language sql volatile
as $$
    select d.day from app.derive_days(array[p_employee_id], array[p_date]) as d
$$;
comment on function app.derive_day(uuid, date) is
'Recompute one employee-day of daily_status from the ledger alone.';

-- The live step's write when its day has no row yet (the employee is locked,
-- so nobody else can add it meanwhile).
create or replace function app.insert_day(p_day app.daily_status) returns void
language plpgsql volatile
as $$
begin
    insert into app.daily_status select p_day.*;
end
$$;

-- The live step's write when its day row exists is an UPDATE inside
-- app.apply_live_punch (no function call per punch).
drop function if exists app.save_day(app.daily_status);

-- Replay a set of employee-days (parallel arrays) and store them: the old rows
-- go, the replayed ones come in, in one pass. The caller holds the employees'
-- locks (app.lock_employees).
create or replace function app.refresh_daily_status(p_employee_ids uuid[], p_dates date[])
returns integer
language plpgsql volatile
as $$
declare
    v_count integer;
begin
    delete from app.daily_status as ds
    using unnest(p_employee_ids, p_dates) as k (employee_id, day)
    where ds.employee_id = k.employee_id and ds.business_date_ist = k.day;
    insert into app.daily_status
    select (d.day).* from app.derive_days(p_employee_ids, p_dates) as d;
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- One live punch applied to its stored day: the row after the event, or null
-- when this is not one of the live state machine's own transitions in order
-- (then the caller replays the day). p_day null: the day has no row yet.
-- The event is the employee's newest (they are locked), so it is above any
-- unlock's watermark.
create or replace function app.step_day(p_day app.daily_status, p_event app.attendance_events, p_policy jsonb)
returns app.daily_status
language plpgsql stable
as $$
declare
    v app.daily_status := p_day;
    v_state app.day_status := coalesce(p_day.current_status, 'OFF_DUTY');
    v_secs integer;
    v_reason text;
begin
    if p_day.last_event_at > p_event.occurred_at then
        return null;
    end if;
    if p_day.employee_id is null then
        v.employee_id := p_event.employee_id;
        v.business_date_ist := p_event.business_date_ist;
        v.event_count := 0;
        v.anomalies := '{}';
        v.has_sync_errors := false;
        v.worked_seconds := 0;
        v.break_seconds := 0;
        v.lunch_seconds := 0;
        v.lunch_starts := 0;
    end if;
    case
        when p_event.event_type = 'CLOCK_IN' and v_state = 'OFF_DUTY'
            and not ((p_policy ->> 'one_clock_in_per_day')::boolean and v.first_clock_in is not null)
            then
            v.current_status := 'ON_SHIFT';
            v.first_clock_in := coalesce(v.first_clock_in, p_event.occurred_at);
        when p_event.event_type = 'CLOCK_OUT' and v_state = 'ON_SHIFT' then
            v.current_status := 'OFF_DUTY';
            v.last_clock_out := p_event.occurred_at;
            if coalesce(p_policy ->> 'shift_type', 'GENERAL') = 'GENERAL'
                and app.ist_wall_clock(p_event.occurred_at)
                < v.business_date_ist + coalesce(p_policy -> 'general_shift' ->> 'end', '19:00')::time
                then
                v_reason := 'EARLY_CLOCK_OUT_BEFORE_7PM';
            end if;
        when p_event.event_type = 'BREAK_START' and v_state = 'ON_SHIFT' then
            v.current_status := 'ON_BREAK';
        when p_event.event_type = 'BREAK_END' and v_state = 'ON_BREAK' then
            v.current_status := 'ON_SHIFT';
        when p_event.event_type = 'LUNCH_START' and v_state = 'ON_SHIFT' and v.lunch_starts = 0 then
            v.current_status := 'ON_LUNCH';
            v.lunch_starts := 1;
        when p_event.event_type = 'LUNCH_END' and v_state = 'ON_LUNCH' then
            v.current_status := 'ON_SHIFT';
        else
            return null;
    end case;

    -- close the segment the event ends
    if v_state <> 'OFF_DUTY' then
        v_secs := floor(extract(epoch from p_event.occurred_at - v.state_since))::integer;
        case v_state
            when 'ON_SHIFT' then v.worked_seconds := v.worked_seconds + v_secs;
            when 'ON_BREAK' then v.break_seconds := v.break_seconds + v_secs;
            else v.lunch_seconds := v.lunch_seconds + v_secs;
        end case;
    end if;
    if p_event.event_type = 'BREAK_END' and v.break_seconds / 60 > (p_policy ->> 'break_allowance_minutes')::integer
        then
        v_reason := 'BREAK_OVERLIMIT';
    elsif p_event.event_type = 'LUNCH_END'
        and v.lunch_seconds / 60 > (p_policy ->> 'lunch_allowance_minutes')::integer then
        v_reason := 'LUNCH_OVERLIMIT';
    end if;

    v.state_since := case when v.current_status <> 'OFF_DUTY' then p_event.occurred_at end;
    v.event_count := v.event_count + 1;
    v.last_event_id := p_event.id;
    v.last_event_at := p_event.occurred_at;
    v.worked_minutes := v.worked_seconds / 60;
    v.break_minutes_used := v.break_seconds / 60;
    v.lunch_minutes := v.lunch_seconds / 60;
    v.lock_reason := coalesce(v.lock_reason, v_reason);
    v.is_locked := v.lock_reason is not null;
    v.updated_at := now();
    return v;
end
$$;
comment on function app.step_day(app.daily_status, app.attendance_events, jsonb) is
'Apply one live punch to its stored day; null when only a replay can tell.';

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
    recomputed as (
        select d.day
        from (
            select array_agg(days.employee_id) as ids, array_agg(days.business_date_ist) as dates from days
        ) as k
        cross join lateral app.derive_days(k.ids, k.dates) as d
    ),
    compared as (
        select
            (r.day).employee_id,
            (r.day).business_date_ist,
            to_jsonb(ds) - 'updated_at' as stored,
            to_jsonb(r.day) - 'updated_at' as recomputed
        from recomputed as r
        left join app.daily_status as ds
            on ds.employee_id = (r.day).employee_id and ds.business_date_ist = (r.day).business_date_ist
    )
    select c.employee_id, c.business_date_ist, c.stored, c.recomputed
    from compared as c
    where c.stored is distinct from c.recomputed
$$;
comment on function app.daily_status_differences(date, date) is
'Employee-days whose stored daily_status differs from a recomputation (expected: none).';
