-- Front desk (issue 15): kiosk devices and their keys, the JWT secret's home, the
-- kiosk_login rate limit, badges, badge assignments, the badge scan log and
-- security alerts; their settings. See sql/schema/900_kiosk_devices.sql,
-- 910_badges.sql and 920_security_alerts.sql for what each table means.

create extension if not exists pgcrypto with schema public;

create table app.kiosk_devices (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    location text not null,
    site text not null default 'main',
    department text,
    key_hash text not null unique,
    key_prefix text not null unique,
    key_rotated_at timestamptz,
    revoked_at timestamptz,
    revoked_by text,
    revoke_reason text,
    last_seen_at timestamptz,
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint kiosk_devices_name_length check (length(btrim(name)) between 1 and 200),
    constraint kiosk_devices_location_length check (length(btrim(location)) between 1 and 200),
    constraint kiosk_devices_site_length check (length(btrim(site)) between 1 and 64),
    constraint kiosk_devices_department_length check (length(department) <= 200),
    constraint kiosk_devices_key_hash_format check (key_hash ~ '^[0-9a-f]{64}$'),
    constraint kiosk_devices_key_prefix_format check (key_prefix ~ '^[0-9a-f]{12}$'),
    constraint kiosk_devices_revoked_by_length check (length(revoked_by) <= 200),
    constraint kiosk_devices_revoke_reason_length check (length(revoke_reason) <= 1000),
    constraint kiosk_devices_created_by_length check (length(created_by) <= 200),
    constraint kiosk_devices_revocation_complete check ((revoked_at is null) = (revoked_by is null))
);

alter table app.kiosk_devices enable row level security;

comment on table app.kiosk_devices is
'Badge readers and kiosks; key_hash = sha256 of the API key shown once at registration or rotation.';

create table app.jwt_signing_key (
    singleton boolean primary key default true,
    secret text not null,
    updated_at timestamptz not null default now(),
    constraint jwt_signing_key_singleton check (singleton),
    constraint jwt_signing_key_secret_length check (length(secret) between 32 and 1000)
);

alter table app.jwt_signing_key enable row level security;

comment on table app.jwt_signing_key is
'The PostgREST jwt-secret (PGRST_JWT_SECRET), written by make migrate; owner-only.';

create unlogged table app.kiosk_login_failures (
    key_prefix text not null,
    minute timestamptz not null,
    failures integer not null default 1,
    primary key (key_prefix, minute),
    constraint kiosk_login_failures_key_prefix_length check (length(key_prefix) <= 12)
);

alter table app.kiosk_login_failures enable row level security;

comment on table app.kiosk_login_failures is
'Rate limit of kiosk_login: failed attempts per key prefix and minute (unlogged).';

create extension if not exists btree_gist with schema public;

create table app.badges (
    id bigint generated always as identity primary key,
    code text not null unique,
    kind text not null default 'EMPLOYEE',
    status text not null default 'ACTIVE',
    status_reason text,
    status_changed_at timestamptz,
    status_changed_by text,
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint badges_code_format check (code ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    constraint badges_kind_known check (kind in ('EMPLOYEE', 'TEMPORARY')),
    constraint badges_status_known check (status in ('ACTIVE', 'LOST', 'REVOKED')),
    constraint badges_status_reason_length check (length(status_reason) <= 1000),
    constraint badges_status_changed_by_length check (length(status_changed_by) <= 200),
    constraint badges_created_by_length check (length(created_by) <= 200)
);

alter table app.badges enable row level security;

comment on table app.badges is 'Physical badges (cards); ACTIVE, LOST or REVOKED.';

create table app.badge_assignments (
    id bigint generated always as identity,
    employee_id uuid not null references app.employees (id),
    badge_id bigint not null references app.badges (id),
    during tstzrange not null,
    end_reason text,
    assigned_by text not null,
    ended_by text,
    primary key (id, employee_id),
    constraint badge_assignments_during_valid check (
        not isempty(during) and lower(during) is not null and not lower_inf(during)
    ),
    constraint badge_assignments_end_reason_known check (
        end_reason in ('RETURNED', 'LOST', 'REVOKED', 'REASSIGNED', 'EMPLOYEE_INACTIVE')
    ),
    constraint badge_assignments_end_complete check (
        (upper(during) is null) = (end_reason is null) and (end_reason is null) = (ended_by is null)
    ),
    constraint badge_assignments_assigned_by_length check (length(assigned_by) <= 200),
    constraint badge_assignments_ended_by_length check (length(ended_by) <= 200),
    constraint badge_assignments_one_holder exclude using gist (badge_id with =, during with &&),
    constraint badge_assignments_one_badge exclude using gist (employee_id with =, during with &&)
);

create index badge_assignments_badge_idx on app.badge_assignments (badge_id, lower(during) desc);

alter table app.badge_assignments enable row level security;

comment on table app.badge_assignments is
'Who held which badge when: one holder per badge and one badge per employee at any instant.';

create table app.badge_scans (
    id bigint generated always as identity primary key,
    device_id uuid not null references app.kiosk_devices (id),
    badge_code text not null,
    badge_id bigint references app.badges (id),
    employee_id uuid references app.employees (id),
    scanned_at timestamptz not null default now(),
    outcome text not null,
    refusal text,
    event_id bigint,
    duplicate_of bigint,
    constraint badge_scans_badge_code_length check (length(badge_code) between 1 and 64),
    constraint badge_scans_outcome_known check (outcome in ('IN', 'OUT', 'IGNORED_DUPLICATE', 'REFUSED')),
    constraint badge_scans_refusal_iff_refused check ((outcome = 'REFUSED') = (refusal is not null)),
    constraint badge_scans_refusal_length check (length(refusal) <= 64),
    constraint badge_scans_event_iff_punch check ((outcome in ('IN', 'OUT')) = (event_id is not null)),
    constraint badge_scans_duplicate_iff_ignored check ((outcome = 'IGNORED_DUPLICATE') = (duplicate_of is not null))
);

create index badge_scans_badge_code_idx on app.badge_scans (badge_code, scanned_at desc);
create index badge_scans_employee_idx on app.badge_scans (employee_id, id desc) include (device_id)
where outcome in ('IN', 'OUT');

alter table app.badge_scans enable row level security;

comment on table app.badge_scans is
'Every badge scan at a reader: outcome and the ledger event it produced (a device log).';

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

insert into app.settings (key, value, description) values
(
    'badge_double_scan_seconds', '10',
    'A second scan of the same badge within this many seconds is IGNORED_DUPLICATE (readers double-fire)'
),
(
    'kiosk_token_ttl_seconds', '900',
    'Lifetime of the JWT kiosk_login mints for a reader'
),
(
    'kiosk_login_max_failures_per_minute', '10',
    'Failed kiosk_login attempts per key prefix and minute before 429 RATE_LIMITED'
)
on conflict (key) do nothing;

-- The badges employees already carry (employees.badge_id, what kiosk_punch
-- used to read) become badges held from now on.
insert into app.badges (code, created_by)
select
    e.badge_id as code,
    'system.migration' as created_by
from app.employees as e
where e.badge_id is not null
order by e.badge_id;

insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
select
    e.id as employee_id,
    b.id as badge_id,
    tstzrange(now(), null) as during,
    'system.migration' as assigned_by
from app.employees as e
inner join app.badges as b on e.badge_id = b.code;
