-- Kiosk devices (badge readers) and their API keys (issue 15). hr_admin
-- registers a device and is shown its key once; only the key's SHA-256 is
-- stored (the key carries 256 random bits, so a fast unsalted hash is enough:
-- nothing to brute-force, and kiosk_login stays cheap). key_prefix is the
-- key's public, unique first part: the lookup, the rate limit's bucket, and
-- what an operator sees. A device exchanges its key for a short-lived JWT
-- (app.kiosk_login) signed with the PostgREST secret, which the database keeps
-- in app.jwt_signing_key (owner-only; `make migrate` writes it from
-- PGRST_JWT_SECRET). Failed key attempts are counted per key prefix and minute
-- in an UNLOGGED table (lost on a crash: a rate limit, not a record).

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
    -- 'attendance': a scan toggles IN/OUT; 'event' (a training-room reader): recorded, never a punch
    purpose text not null default 'attendance',
    constraint kiosk_devices_name_length check (length(btrim(name)) between 1 and 200),
    constraint kiosk_devices_location_length check (length(btrim(location)) between 1 and 200),
    constraint kiosk_devices_site_length check (length(btrim(site)) between 1 and 64),
    constraint kiosk_devices_department_length check (length(department) <= 200),
    constraint kiosk_devices_key_hash_format check (length(key_hash) = 64 and key_hash ~ '^[0-9a-f]{64}$'),
    constraint kiosk_devices_key_prefix_format check (length(key_prefix) = 12 and key_prefix ~ '^[0-9a-f]{12}$'),
    constraint kiosk_devices_revoked_by_length check (length(revoked_by) <= 200),
    constraint kiosk_devices_revoke_reason_length check (length(revoke_reason) <= 1000),
    constraint kiosk_devices_created_by_length check (length(created_by) <= 200),
    constraint kiosk_devices_revocation_complete check ((revoked_at is null) = (revoked_by is null)),
    constraint kiosk_devices_purpose_known check (purpose in ('attendance', 'event'))
);

alter table app.kiosk_devices enable row level security;

comment on table app.kiosk_devices is
'Badge readers and kiosks; key_hash = sha256 of the API key shown once at registration or rotation.';

-- The PostgREST JWT secret, so that kiosk_login can sign tokens in the
-- database. One row; no grants: only the owner (security definer functions)
-- reads it.
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

-- Failed kiosk_login attempts per key prefix ('-' for a malformed key) and minute.
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
