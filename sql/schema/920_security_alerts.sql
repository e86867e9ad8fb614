-- Security alerts (issue 15): a refused badge scan (unknown, lost, revoked or
-- unassigned badge, inactive holder, the same badge at two devices at once)
-- raises one. Append-only except the acknowledgement (acknowledged_by/at,
-- written once by hr_admin through api.acknowledge_alert; trigger
-- _100_acknowledge_only). scan_id names the badge_scans row (no foreign key:
-- the scan log is placed on its own in the scale-out plan).

-- The kinds of alert (migration 0175): one list, read by the alerts' foreign
-- key and by app.scan_refusal_status (403 for these, 409 for a punch rule's
-- code). Owner-written.
create table app.security_alert_kinds (
    kind text primary key,
    description text not null,
    constraint security_alert_kinds_kind_format check (length(kind) <= 64 and kind ~ '^[A-Z][A-Z_]*$'),
    constraint security_alert_kinds_description_length check (length(description) between 1 and 200)
);

insert into app.security_alert_kinds (kind, description) values
('UNKNOWN_BADGE', 'No badge has this code.'),
('LOST_BADGE', 'The badge was reported lost.'),
('REVOKED_BADGE', 'The badge was revoked.'),
('UNASSIGNED_BADGE', 'Nobody holds this badge.'),
('INACTIVE_EMPLOYEE', 'The badge holder is not an active employee.'),
('BADGE_ON_TWO_DEVICES', 'The badge was scanned at two readers at once.');

alter table app.security_alert_kinds enable row level security;

comment on table app.security_alert_kinds is
'The kinds of security alert (a refused badge scan or kiosk punch answers 403 with one); owner-written.';

create table app.security_alerts (
    id bigint generated always as identity primary key,
    kind text not null,
    badge_code text,
    device_id uuid references app.kiosk_devices (id),
    scan_id bigint,
    detail text not null,
    at timestamptz not null default now(),
    acknowledged_by text,
    acknowledged_at timestamptz,
    acknowledge_note text,
    constraint security_alerts_kind_known foreign key (kind) references app.security_alert_kinds (kind),
    constraint security_alerts_kind_length check (length(kind) <= 64),
    constraint security_alerts_badge_code_length check (length(badge_code) <= 64),
    constraint security_alerts_detail_length check (length(detail) <= 1000),
    constraint security_alerts_acknowledged_by_length check (length(acknowledged_by) <= 200),
    constraint security_alerts_acknowledge_note_length check (length(acknowledge_note) <= 1000),
    constraint security_alerts_acknowledgement_complete check (
        (acknowledged_by is null) = (acknowledged_at is null)
    )
);

create index security_alerts_open_idx on app.security_alerts (at desc) where acknowledged_at is null;

alter table app.security_alerts enable row level security;

comment on table app.security_alerts is
'Refused badge scans and other security events; append-only except the acknowledgement.';
