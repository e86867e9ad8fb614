-- A live punch applies one transition to the stored day (issue 11), so the day
-- row carries the state machine's own state: exact seconds behind the minutes,
-- when the current state began, how many lunches were started.
--
-- Existing rows get these columns from a replay of their day's live events,
-- written out here as the transitions stood at this migration (the repeatable
-- derivation is defined only after migrations run). Anomalies and locks are
-- not touched: only the new columns are filled.

alter table app.daily_status
add column state_since timestamptz,
add column worked_seconds integer not null default 0,
add column break_seconds integer not null default 0,
add column lunch_seconds integer not null default 0,
add column lunch_starts integer not null default 0;

do $$
declare
    r record;
    v_key text := '';
    v_state app.day_status;
    v_since timestamptz;
    v_secs integer;
    v_worked integer;
    v_break integer;
    v_lunch integer;
    v_lunches integer;
    v_emp uuid;
    v_day date;
begin
    for r in
        select ev.employee_id, ev.business_date_ist, ev.event_type, ev.occurred_at, ev.id
        from app.attendance_events as ev
        where ev.event_type <> 'VOID'
            and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
        union all
        -- a sentinel row flushes the last day
        select null, null, null, null, null
        order by 1, 2, 4, 5
    loop
        if v_key <> coalesce(r.employee_id::text || r.business_date_ist::text, 'end') then
            if v_key <> '' then
                update app.daily_status as ds set
                    state_since = case when v_state <> 'OFF_DUTY' then v_since end,
                    worked_seconds = v_worked,
                    break_seconds = v_break,
                    lunch_seconds = v_lunch,
                    lunch_starts = v_lunches
                where ds.employee_id = v_emp and ds.business_date_ist = v_day;
            end if;
            exit when r.employee_id is null;
            v_key := r.employee_id::text || r.business_date_ist::text;
            v_emp := r.employee_id;
            v_day := r.business_date_ist;
            v_state := 'OFF_DUTY';
            v_since := null;
            v_worked := 0;
            v_break := 0;
            v_lunch := 0;
            v_lunches := 0;
        end if;
        if r.event_type = 'LUNCH_START' then
            v_lunches := v_lunches + 1;
        end if;
        if v_state <> 'OFF_DUTY' and r.event_type <> 'CLOCK_IN' then
            v_secs := floor(extract(epoch from r.occurred_at - v_since))::integer;
            case v_state
                when 'ON_SHIFT' then v_worked := v_worked + v_secs;
                when 'ON_BREAK' then v_break := v_break + v_secs;
                else v_lunch := v_lunch + v_secs;
            end case;
            v_since := r.occurred_at;
        end if;
        case
            when r.event_type = 'CLOCK_IN' and v_state = 'OFF_DUTY' then
                v_state := 'ON_SHIFT';
                v_since := r.occurred_at;
            when r.event_type = 'CLOCK_OUT' and v_state <> 'OFF_DUTY' then
                v_state := 'OFF_DUTY';
            when r.event_type = 'BREAK_START' and v_state = 'ON_SHIFT' then
                v_state := 'ON_BREAK';
            when r.event_type = 'BREAK_END' and v_state = 'ON_BREAK' then
                v_state := 'ON_SHIFT';
            when r.event_type = 'LUNCH_START' and v_state in ('ON_SHIFT', 'ON_BREAK') then
                v_state := 'ON_LUNCH';
            when r.event_type = 'LUNCH_END' and v_state = 'ON_LUNCH' then
                v_state := 'ON_SHIFT';
            else
                null;
        end case;
    end loop;
end
$$;

alter table app.daily_status
add constraint daily_status_seconds_match_minutes check (
    worked_minutes = worked_seconds / 60 and break_minutes_used = break_seconds / 60
    and lunch_minutes = lunch_seconds / 60
),
add constraint daily_status_since_when_on_duty check ((state_since is null) = (current_status = 'OFF_DUTY'));

-- replaced by app.apply_live_punch (sql/triggers/100_attendance_events.sql)
drop function if exists app.check_live_transition(uuid, app.event_type, timestamptz);
