-- Security alerts (issue 15): a refused badge scan (unknown, lost, revoked or
-- unassigned badge, inactive holder, the same badge at two devices at once)
-- raises one. Append-only except the acknowledgement (acknowledged_by/at,
-- written once by hr_admin through api.acknowledge_alert; trigger
-- _100_acknowledge_only). scan_id names the badge_scans row (no foreign key:
-- the scan log is placed on its own in the scale-out plan).

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
    constraint security_alerts_kind_known check (
        kind in (
            'UNKNOWN_BADGE', 'LOST_BADGE', 'REVOKED_BADGE', 'UNASSIGNED_BADGE',
            'INACTIVE_EMPLOYEE', 'BADGE_ON_TWO_DEVICES'
        )
    ),
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
