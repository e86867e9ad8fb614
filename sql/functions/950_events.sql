-- Events (issue 15 part 5): hr_admin creates a training, drill or meeting at
-- a reader with a time window and the people expected (audited); the report
-- derives attendance from the readers' scan log at read time (no second
-- truth): a person's first accepted scan (IN, OUT or IGNORED_DUPLICATE; a
-- refused scan is not attendance) at the event's reader in
-- [starts_at - early_minutes, ends_at] makes them PRESENT when it is by
-- starts_at + grace_minutes, LATE after; no scan is ABSENT. People who scanned
-- without being expected are listed as walk-ins.

-- The expected list of an event, grown by one call: every id must be an
-- active employee; at most 5,000 people per event.
create or replace function app.add_event_attendees(p_event_id bigint, p_employee_ids uuid[]) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids uuid[] := array(select distinct x from unnest(coalesce(p_employee_ids, '{}')) as x where x is not null);
    v_unknown integer;
    v_added integer;
    v_total integer;
begin
    perform app.require_role(array['hr_admin']);
    perform 1 from app.events as ev where ev.id = p_event_id for update;
    if not found then
        perform app.fail(404, 'EVENT_NOT_FOUND', 'No event has this id.');
    end if;
    select count(*) into v_unknown
    from unnest(v_ids) as x (id)
    where not exists (select 1 from app.employees as e where e.id = x.id and e.employment_status = 'ACTIVE');
    if v_unknown > 0 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s of the attendees are not active employees.', v_unknown),
            jsonb_build_object('field', 'employee_ids', 'unknown', v_unknown)
        );
    end if;
    insert into app.event_attendees (employee_id, event_id, added_by)
    select x, p_event_id, app.current_actor() from unnest(v_ids) as x
    on conflict do nothing;
    get diagnostics v_added = row_count;
    select count(*) into v_total from app.event_attendees as a where a.event_id = p_event_id;
    if v_total > 5000 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'An event expects at most 5000 people.',
            '{"field": "employee_ids", "max": 5000}'
        );
    end if;
    if v_added > 0 then
        perform app.audit(
            'EVENT_ATTENDEES_ADD', 'events', p_event_id::text, null, null, null,
            jsonb_build_object('added', v_added, 'expected', v_total)
        );
    end if;
    return jsonb_build_object('event_id', p_event_id, 'added', v_added, 'expected', v_total);
end
$$;
grant execute on function app.add_event_attendees(bigint, uuid[]) to hr_admin;

create or replace function app.create_event(
    p_title text,
    p_kind text,
    p_device_id uuid,
    p_starts_at timestamptz,
    p_ends_at timestamptz,
    p_grace_minutes integer default 10,
    p_attendee_ids uuid[] default '{}',
    p_early_minutes integer default 30
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_event app.events;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_text('title', p_title, 200);
    if p_kind is null or upper(p_kind) not in ('TRAINING', 'DRILL', 'MEETING') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'kind must be TRAINING, DRILL or MEETING.', '{"field": "kind"}');
    end if;
    if not exists (select 1 from app.kiosk_devices as d where d.id = p_device_id and d.revoked_at is null) then
        perform app.fail(404, 'KIOSK_NOT_FOUND', 'No active kiosk device has this id.', '{"field": "device_id"}');
    end if;
    if p_starts_at is null or p_ends_at is null or p_ends_at <= p_starts_at
        or p_ends_at > p_starts_at + interval '24 hours' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'The event must end after it starts, within 24 hours.', '{"field": "ends_at"}'
        );
    end if;
    if p_starts_at not between now() - interval '366 days' and now() + interval '366 days' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'starts_at must be within a year of now.', '{"field": "starts_at"}'
        );
    end if;
    perform app.require_range('grace_minutes', p_grace_minutes, 0, 240);
    perform app.require_range('early_minutes', p_early_minutes, 0, 240);
    insert into app.events (title, kind, device_id, starts_at, ends_at, grace_minutes, early_minutes, created_by)
    values (
        btrim(p_title), upper(p_kind), p_device_id, p_starts_at, p_ends_at, p_grace_minutes, p_early_minutes,
        app.current_actor()
    )
    returning * into v_event;
    perform app.audit('EVENT_CREATE', 'events', v_event.id::text, null, null, null, to_jsonb(v_event));
    return to_jsonb(v_event) || jsonb_build_object(
        'expected', app.add_event_attendees(v_event.id, p_attendee_ids) -> 'expected'
    );
end
$$;
grant execute on function app.create_event(text, text, uuid, timestamptz, timestamptz, integer, uuid[], integer)
to hr_admin;

-- One row per person of the report: the expected and the walk-ins, with
-- their first accepted scan at the event's reader in its window.
create or replace function app.event_attendance(p_event_id bigint)
returns table (
    employee_id uuid, full_name text, department text, expected boolean, first_scan_at timestamptz, status text
)
language sql stable
as $$
    with ev as (
        select e.* from app.events as e where e.id = p_event_id
    ),

    first_scan as (
        select bs.employee_id, min(bs.scanned_at) as first_scan_at
        from ev
        inner join app.badge_scans as bs
            on bs.device_id = ev.device_id
            and bs.scanned_at >= ev.starts_at - make_interval(mins => ev.early_minutes)
            and bs.scanned_at <= ev.ends_at
        where bs.outcome <> 'REFUSED' and bs.employee_id is not null
        group by bs.employee_id
    ),

    people as (
        select
            coalesce(a.employee_id, f.employee_id) as employee_id,
            a.employee_id is not null as expected,
            f.first_scan_at
        from (select x.employee_id from app.event_attendees as x where x.event_id = p_event_id) as a
        full join first_scan as f on a.employee_id = f.employee_id
    )

    select
        p.employee_id,
        e.full_name,
        e.department,
        p.expected,
        p.first_scan_at,
        case
            when p.first_scan_at is null then 'ABSENT'
            when p.first_scan_at <= ev.starts_at + make_interval(mins => ev.grace_minutes) then 'PRESENT'
            else 'LATE'
        end as status
    from people as p
    cross join ev
    inner join app.employees as e on p.employee_id = e.id
$$;

create or replace function app.event_report(p_event_id bigint) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_event app.events;
    v_result jsonb;
begin
    perform app.require_role(array['hr_admin']);
    select * into v_event from app.events as ev where ev.id = p_event_id;
    if not found then
        perform app.fail(404, 'EVENT_NOT_FOUND', 'No event has this id.');
    end if;
    select jsonb_build_object(
        'event', to_jsonb(v_event) || jsonb_build_object('state', case
            when now() < v_event.starts_at then 'UPCOMING' when now() <= v_event.ends_at then 'RUNNING' else 'ENDED'
        end),
        'counts', jsonb_build_object(
            'expected', count(*) filter (where a.expected),
            'present', count(*) filter (where a.expected and a.status = 'PRESENT'),
            'late', count(*) filter (where a.expected and a.status = 'LATE'),
            'absent', count(*) filter (where a.expected and a.status = 'ABSENT'),
            'walk_ins', count(*) filter (where not a.expected)
        ),
        'attendees', coalesce(jsonb_agg(
            a.person order by a.status, a.full_name, a.employee_id
        ) filter (where a.expected), '[]'),
        'walk_ins', coalesce(jsonb_agg(
            a.person order by a.first_scan_at, a.employee_id
        ) filter (where not a.expected), '[]')
    ) into v_result
    from (
        select
            x.*,
            jsonb_build_object(
                'employee_id', x.employee_id, 'full_name', x.full_name, 'department', x.department,
                'status', x.status, 'first_scan_at', x.first_scan_at
            ) as person
        from app.event_attendance(p_event_id) as x
    ) as a;
    return v_result;
end
$$;
comment on function app.event_report(bigint) is
'hr_admin: an event''s attendance from the scans at its reader: counts and each person PRESENT, LATE or ABSENT.';
grant execute on function app.event_report(bigint) to hr_admin;
