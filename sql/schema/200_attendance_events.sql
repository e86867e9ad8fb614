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
    id bigint generated always as identity,
    -- an employee of app.employees: checked once per statement by the triggers
    -- of sql/triggers/105_ledger_employee_ref.sql, not a foreign key (one RI
    -- query per row; migration 0165)
    employee_id uuid not null,
    event_type app.event_type not null,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    business_date_ist date not null,
    source text not null,
    idempotency_key text,
    request_hash text,
    payload jsonb not null default '{}',
    corrects_event_id bigint,
    created_by text not null,
    sync_status app.sync_status not null default 'PENDING',
    attempt_count integer not null default 0,
    last_sync_error text,
    last_attempt_at timestamptz,
    synced_at timestamptz,
    keka_ref text,
    -- the hash chain (issue 14): position in the employee's chain and the link,
    -- set by the insert trigger _490_chain (sql/functions/700_ledger_chain.sql)
    chain_seq bigint not null,
    chain_hash bytea not null,
    -- employee_id in every key: a distributed engine checks them on one node
    -- (docs/scale-out.md); id first, so inserts append and global ids still find
    -- their row
    constraint attendance_events_pkey primary key (id, employee_id),
    -- a VOID cancels an event of the same employee
    constraint attendance_events_corrects_event_id_fkey foreign key (employee_id, corrects_event_id)
    references app.attendance_events (employee_id, id),
    constraint attendance_events_source_known check (
        source in ('web', 'slack', 'kiosk', 'api', 'mobile', 'admin', 'import', 'system', 'regularization')
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
    ),
    -- bounds (issue 10): finite, sane instants; bounded text and payload
    constraint attendance_events_occurred_at_window check (
        occurred_at >= '2000-01-01 00:00:00+00' and occurred_at < '2100-01-01 00:00:00+00'
    ),
    constraint attendance_events_request_hash_length check (length(request_hash) <= 64),
    constraint attendance_events_created_by_length check (length(created_by) <= 320),
    constraint attendance_events_last_sync_error_length check (length(last_sync_error) <= 2000),
    constraint attendance_events_keka_ref_length check (length(keka_ref) <= 200),
    constraint attendance_events_payload_size check (octet_length(payload::text) <= 32768),
    constraint attendance_events_chain_seq_positive check (chain_seq > 0),
    constraint attendance_events_chain_hash_sha256 check (octet_length(chain_hash) = 32)
);

-- One employee-day's events, in order: the derivation's and the API's main path.
create index attendance_events_employee_day_idx
on app.attendance_events (employee_id, business_date_ist, occurred_at);

-- The last CLOCK_IN/CLOCK_OUT before an instant: which open shift owns an event
-- (id in the key: the lookup's tie-break, so it reads one entry, not the history).
create index attendance_events_shift_edges_idx
on app.attendance_events (employee_id, occurred_at, id)
where event_type in ('CLOCK_IN', 'CLOCK_OUT');

-- Work still to sync: small however large the ledger grows.
create index attendance_events_unsynced_idx
on app.attendance_events (sync_status, business_date_ist)
where sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE');

-- An event can be voided once.
create unique index attendance_events_one_void_idx
on app.attendance_events (corrects_event_id, employee_id)
where corrects_event_id is not null;

-- A retried request finds its original event.
create unique index attendance_events_idempotency_idx
on app.attendance_events (employee_id, idempotency_key)
where idempotency_key is not null;

alter table app.attendance_events enable row level security;

-- Every delivery to Keka updates sync_status (an indexed column: no HOT update),
-- leaving a dead entry in the partial unsynced index until VACUUM. Vacuum after a
-- fixed number of changes, not 20% of a ledger of millions, so the reconciliation
-- scan stays proportional to what is unsynced.
alter table app.attendance_events set (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000
);

comment on table app.attendance_events is
'Append-only attendance ledger. Corrections are VOID or admin-added rows, never updates.';
