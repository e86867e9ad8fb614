-- Events and expected attendees (issue 15 part 5). See sql/schema/950_events.sql.
create table app.events (
    id bigint generated always as identity primary key,
    title text not null,
    kind text not null,
    device_id uuid not null references app.kiosk_devices (id),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    grace_minutes integer not null default 10,
    early_minutes integer not null default 30,
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint events_title_length check (length(btrim(title)) between 1 and 200),
    constraint events_kind_known check (kind in ('TRAINING', 'DRILL', 'MEETING')),
    constraint events_window_valid check (ends_at > starts_at and ends_at <= starts_at + interval '24 hours'),
    constraint events_starts_at_window check (starts_at between '2000-01-01' and '2100-01-01'),
    constraint events_grace_minutes_range check (grace_minutes between 0 and 240),
    constraint events_early_minutes_range check (early_minutes between 0 and 240),
    constraint events_created_by_length check (length(created_by) <= 320)
);

create index events_device_starts_idx on app.events (device_id, starts_at);

create table app.event_attendees (
    employee_id uuid not null references app.employees (id),
    event_id bigint not null references app.events (id),
    added_by text not null,
    added_at timestamptz not null default now(),
    primary key (employee_id, event_id),
    constraint event_attendees_added_by_length check (length(added_by) <= 320)
);

create index event_attendees_event_idx on app.event_attendees (event_id, employee_id);

create index badge_scans_device_scanned_idx on app.badge_scans (device_id, scanned_at) include (employee_id, outcome);

alter table app.events enable row level security;
alter table app.event_attendees enable row level security;

comment on table app.events is
'Trainings, drills and meetings at one reader in a time window; attendance is derived from badge_scans.';
comment on table app.event_attendees is 'Who is expected at an event.';
