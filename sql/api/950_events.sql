-- Events over HTTP: POST /rpc/create_event, /rpc/add_event_attendees and
-- /rpc/event_report (hr_admin); GET /events (hr_admin all, a person the
-- events they are expected at).

create or replace function api.create_event(
    title text,
    kind text,
    device_id uuid,
    starts_at timestamptz,
    ends_at timestamptz,
    grace_minutes integer default 10,
    attendee_ids uuid[] default '{}',
    early_minutes integer default 30
) returns jsonb
language sql volatile
as $$
    select app.create_event(title, kind, device_id, starts_at, ends_at, grace_minutes, attendee_ids, early_minutes)
$$;
comment on function api.create_event(text, text, uuid, timestamptz, timestamptz, integer, uuid[], integer) is
'hr_admin: create a TRAINING, DRILL or MEETING at a reader (device_id) from starts_at to ends_at (at most 24 h) '
'with the expected attendees; scans there from early_minutes before the start record attendance (audited).';
grant execute on function api.create_event(text, text, uuid, timestamptz, timestamptz, integer, uuid[], integer)
to hr_admin;

create or replace function api.add_event_attendees(event_id bigint, employee_ids uuid[]) returns jsonb
language sql volatile
as $$
    select app.add_event_attendees(event_id, employee_ids)
$$;
comment on function api.add_event_attendees(bigint, uuid[]) is
'hr_admin: add expected attendees to an event (active employees; at most 5000 per event; audited).';
grant execute on function api.add_event_attendees(bigint, uuid[]) to hr_admin;

create or replace function api.event_report(event_id bigint) returns jsonb
language sql stable
as $$
    select app.event_report(event_id)
$$;
comment on function api.event_report(bigint) is
'hr_admin: attendance of an event from the badge scans at its reader: counts (expected, present, late, absent, '
'walk_ins), each expected person PRESENT (first scan by start + grace), LATE or ABSENT, and the walk-ins.';
grant execute on function api.event_report(bigint) to hr_admin;

create view api.events with (security_invoker = true) as
select
    e.id,
    e.title,
    e.kind,
    e.device_id,
    e.starts_at,
    e.ends_at,
    e.grace_minutes,
    e.early_minutes,
    e.created_by,
    e.created_at
from app.events as e;
comment on view api.events is
'Events (trainings, drills, meetings): hr_admin all, a person those they are expected at.';
grant select on api.events to employee, approver, hr_admin;
