-- Which business date an event belongs to. An event inside an open shift belongs
-- to the date of that shift's CLOCK_IN (night shifts stay on their start date);
-- anything else takes its Asia/Kolkata calendar date. A shift open longer than
-- max_shift_hours owns nothing new.

-- The company's wall clock: what a clock on the wall in India shows at p_at.
-- Business dates, the 7 PM early-clock-out rule and the timestamps sent to Keka
-- all read it from here.
create or replace function app.ist_wall_clock(p_at timestamptz) returns timestamp
language sql immutable strict
as $$
    select p_at at time zone 'Asia/Kolkata'
$$;
comment on function app.ist_wall_clock(timestamptz) is 'The Asia/Kolkata wall-clock time of an instant.';
-- hr_admin replays days (anomaly report); the worker builds Keka timestamps
grant execute on function app.ist_wall_clock(timestamptz) to hr_admin, hithonix_worker;

create or replace function app.ist_date(p_at timestamptz) returns date
language sql immutable strict
as $$
    select app.ist_wall_clock(p_at)::date
$$;

-- The business date of the open shift that owns p_at, or null when none does.
-- Volatile on purpose: called from the BEFORE INSERT trigger, it must see the
-- rows inserted earlier by the same statement (a bulk import of a night shift).
create or replace function app.owning_shift_date(
    p_employee_id uuid, p_at timestamptz, p_exclude_event_id bigint default null
)
returns date
language plpgsql volatile
as $$
declare
    v_edge record;
begin
    select ev.event_type, ev.occurred_at, ev.business_date_ist into v_edge
    from app.attendance_events as ev
    where ev.employee_id = p_employee_id
        and ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')
        and ev.occurred_at <= p_at
        and ev.id is distinct from p_exclude_event_id
        and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
    order by ev.occurred_at desc, ev.id desc
    limit 1;
    if not found or v_edge.event_type <> 'CLOCK_IN' then
        return null;
    end if;
    -- only now the policy: an open CLOCK_IN owns p_at within max_shift_hours
    if p_at - v_edge.occurred_at < make_interval(
        hours => coalesce(
            (select (e.shift_config ->> 'max_shift_hours')::integer from app.employees as e where e.id = p_employee_id),
            (select (s.value #>> '{}')::integer from app.settings as s where s.key = 'max_shift_hours')
        )
    ) then
        return v_edge.business_date_ist;
    end if;
    return null;
end
$$;

create or replace function app.business_date_for(
    p_employee_id uuid, p_event_type app.event_type, p_at timestamptz, p_exclude_event_id bigint default null
) returns date
language plpgsql volatile
as $$
begin
    if p_event_type = 'CLOCK_IN' then
        return app.ist_date(p_at);
    end if;
    return coalesce(app.owning_shift_date(p_employee_id, p_at, p_exclude_event_id), app.ist_date(p_at));
end
$$;
comment on function app.business_date_for(uuid, app.event_type, timestamptz, bigint) is
'The rule for business_date_ist; the insert trigger and the backfill both use it.';
