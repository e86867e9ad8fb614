-- Attendance core: employees, settings, the ledger, daily status, unlocks, audit.
-- Mirrors sql/schema/100..300 as they were when this migration was written.

-- Employees: the people who punch, approve and administer, as imported from Keka
-- or maintained by hr_admin. The manager chain (manager_employee_id) decides
-- what an approver may see; a trigger keeps it free of cycles.

create type app.employee_role as enum ('employee', 'approver', 'hr_admin');
create type app.employment_status as enum ('ACTIVE', 'INACTIVE', 'RELIEVED');

create table app.employees (
    id uuid primary key default gen_random_uuid(),
    keka_id text unique,
    employee_number text unique,
    attendance_number text unique,
    email citext not null unique,
    full_name text not null,
    slack_user_id text unique,
    badge_id text unique,
    manager_employee_id uuid references app.employees (id),
    department text,
    designation text,
    location text,
    employment_status app.employment_status not null default 'ACTIVE',
    date_of_joining date,
    exit_date date,
    role app.employee_role not null default 'employee',
    shift_config jsonb not null default '{"shift_type": "GENERAL"}',
    raw_keka_profile jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint employees_full_name_present check (btrim(full_name) <> ''),
    constraint employees_not_own_manager check (manager_employee_id <> id),
    constraint employees_shift_config_valid check (
        jsonb_typeof(shift_config) = 'object'
        and shift_config ->> 'shift_type' in ('GENERAL', 'FLEXIBLE', 'NIGHT')
    )
);

create index employees_manager_idx on app.employees (manager_employee_id);

alter table app.employees enable row level security;

comment on table app.employees is
'People known to the attendance system; keka_id/attendance_number link them to Keka.';

-- Policy values (break and lunch allowances, shift hours, gatekeeper mode, …).
-- One row per key; an employee's shift_config may override any key.

create table app.settings (
    key text primary key,
    value jsonb not null,
    description text not null,
    constraint settings_key_format check (key ~ '^[a-z][a-z0-9_]*$')
);

alter table app.settings enable row level security;

comment on table app.settings is 'Attendance policy; read through app.policy(employee_id).';

-- The ledger: every punch, correction and import, append-only.
--
-- Business columns are written once, by the insert path (api functions or the
-- owner's bulk loads); only the sync columns change afterwards, and only the
-- worker may change them. business_date_ist, recorded_at and the sync columns
-- are set by the BEFORE INSERT trigger whatever the caller sends.

create type app.event_type as enum (
    'CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END', 'VOID'
);
create type app.sync_status as enum ('PENDING', 'SUCCESS', 'FAILED', 'PERMANENT_FAILURE', 'SKIPPED');

create table app.attendance_events (
    id bigint generated always as identity primary key,
    employee_id uuid not null references app.employees (id),
    event_type app.event_type not null,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    business_date_ist date not null,
    source text not null,
    idempotency_key text,
    request_hash text,
    payload jsonb not null default '{}',
    corrects_event_id bigint references app.attendance_events (id),
    created_by text not null,
    sync_status app.sync_status not null default 'PENDING',
    attempt_count integer not null default 0,
    last_sync_error text,
    last_attempt_at timestamptz,
    synced_at timestamptz,
    keka_ref text,
    constraint attendance_events_source_known check (
        source in ('web', 'slack', 'kiosk', 'api', 'mobile', 'admin', 'import', 'system')
    ),
    constraint attendance_events_void_has_target check (
        (event_type = 'VOID') = (corrects_event_id is not null)
    ),
    constraint attendance_events_payload_object check (jsonb_typeof(payload) = 'object'),
    constraint attendance_events_idempotency_key_length check (
        idempotency_key is null or length(idempotency_key) between 1 and 200
    ),
    constraint attendance_events_attempts_nonnegative check (attempt_count >= 0),
    constraint attendance_events_success_has_time check (
        sync_status <> 'SUCCESS' or synced_at is not null
    )
);

-- One employee-day's events, in order: the derivation's and the API's main path.
create index attendance_events_employee_day_idx
on app.attendance_events (employee_id, business_date_ist, occurred_at);

-- The last CLOCK_IN/CLOCK_OUT before an instant: which open shift owns an event.
create index attendance_events_shift_edges_idx
on app.attendance_events (employee_id, occurred_at)
where event_type in ('CLOCK_IN', 'CLOCK_OUT');

-- Work still to sync: small however large the ledger grows.
create index attendance_events_unsynced_idx
on app.attendance_events (sync_status, business_date_ist)
where sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE');

-- An event can be voided once.
create unique index attendance_events_one_void_idx
on app.attendance_events (corrects_event_id)
where corrects_event_id is not null;

-- A retried request finds its original event.
create unique index attendance_events_idempotency_idx
on app.attendance_events (employee_id, idempotency_key)
where idempotency_key is not null;

alter table app.attendance_events enable row level security;

comment on table app.attendance_events is
'Append-only attendance ledger. Corrections are VOID or admin-added rows, never updates.';

-- Derived whiteboard: one row per employee and business date, maintained by the
-- ledger's statement-level trigger from the ledger (and day_unlocks) alone.
-- app.daily_status_differences() proves stored == recomputed.

create type app.day_status as enum ('OFF_DUTY', 'ON_SHIFT', 'ON_BREAK', 'ON_LUNCH');

create table app.daily_status (
    employee_id uuid not null references app.employees (id),
    business_date_ist date not null,
    current_status app.day_status not null,
    first_clock_in timestamptz,
    last_clock_out timestamptz,
    last_event_id bigint,
    last_event_at timestamptz,
    worked_minutes integer not null,
    break_minutes_used integer not null,
    lunch_minutes integer not null,
    event_count integer not null,
    anomalies text[] not null,
    is_locked boolean not null,
    lock_reason text,
    has_sync_errors boolean not null,
    updated_at timestamptz not null default now(),
    primary key (employee_id, business_date_ist),
    constraint daily_status_lock_has_reason check (is_locked = (lock_reason is not null)),
    constraint daily_status_lock_reason_known check (
        lock_reason in (
            'BREAK_OVERLIMIT', 'LUNCH_OVERLIMIT', 'EARLY_CLOCK_OUT_BEFORE_7PM',
            'BREAK_END_WITHOUT_START', 'LUNCH_END_WITHOUT_START'
        )
    ),
    constraint daily_status_minutes_nonnegative check (
        worked_minutes >= 0 and break_minutes_used >= 0 and lunch_minutes >= 0
    )
);

-- The status board: everyone's day for one date.
create index daily_status_date_idx on app.daily_status (business_date_ist);

alter table app.daily_status enable row level security;

comment on table app.daily_status is 'Derived per-day status; never written except by the derivation.';

-- Unlocks of locked days: append-only, like the ledger. A lock reason raised by
-- an event at or below through_event_id is cleared; later violations lock again.

create table app.day_unlocks (
    id bigint generated always as identity primary key,
    employee_id uuid not null references app.employees (id),
    business_date_ist date not null,
    through_event_id bigint not null,
    lock_reason text not null,
    reason text not null,
    unlocked_by text not null,
    unlocked_at timestamptz not null default now(),
    constraint day_unlocks_reason_present check (length(btrim(reason)) >= 3)
);

create index day_unlocks_day_idx on app.day_unlocks (employee_id, business_date_ist);

alter table app.day_unlocks enable row level security;

comment on table app.day_unlocks is 'Approver/admin unlocks of policy-locked days (audited).';

-- Audit trail of every admin and approver write. Append-only.

create table app.audit_logs (
    id bigint generated always as identity primary key,
    created_at timestamptz not null default now(),
    actor_slack_id text,
    actor_employee_id uuid,
    actor_role text not null,
    target_employee_id uuid,
    action text not null,
    entity text not null,
    entity_id text,
    reason text,
    before jsonb,
    after jsonb,
    context jsonb not null default '{}',
    request_id text,
    constraint audit_logs_action_format check (action ~ '^[A-Z][A-Z_]*$')
);

create index audit_logs_target_idx on app.audit_logs (target_employee_id, created_at);
create index audit_logs_created_idx on app.audit_logs (created_at);

alter table app.audit_logs enable row level security;

comment on table app.audit_logs is 'Who changed what, when and why. Append-only.';
