-- Keka sync: the outbox queues (pgmq), the HRIS token cache, the log of
-- employee imports and the push circuit breaker. The worker (hithonix_worker)
-- reads the queue; the ledger's live step (app.apply_live_punch) and its
-- statement trigger _020_new_rows write it in the inserting transaction.

select pgmq.create('keka_sync');
select pgmq.create('keka_sync_dlq');

-- At most one live message per event (retries, reconciliation and crashed
-- workers included); reconciliation asks "does a live message cover this event?".
create unique index keka_sync_one_live_message_idx on pgmq.q_keka_sync (((message ->> 'event_id')::bigint));

create table app.keka_tokens (
    name text primary key,
    access_token text not null,
    expires_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint keka_tokens_name_length check (length(name) <= 64),
    constraint keka_tokens_access_token_length check (length(access_token) <= 16384)
);

alter table app.keka_tokens enable row level security;

comment on table app.keka_tokens is 'Cached Keka HRIS bearer tokens, shared by worker processes.';

create table app.keka_employee_imports (
    id bigint generated always as identity primary key,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null default 'RUNNING',
    pages integer not null default 0,
    fetched integer not null default 0,
    created_count integer not null default 0,
    updated_count integer not null default 0,
    deactivated_count integer not null default 0,
    unchanged_count integer not null default 0,
    errors jsonb not null default '[]',
    skipped_count integer not null default 0,
    constraint keka_employee_imports_status_known check (status in ('RUNNING', 'SUCCEEDED', 'FAILED'))
);

alter table app.keka_employee_imports enable row level security;

comment on table app.keka_employee_imports is 'One row per employee import run from Keka.';

-- The push circuit breaker: one row. OPEN while Keka refuses whole requests
-- (kind REJECTED: a key or device identifier problem) or does not answer
-- (kind OUTAGE); the worker then sends only a one-punch probe at
-- next_probe_at instead of batches, so no read during an outage counts
-- against a punch. `status`, `api.sync_overview` and the metrics read it.
create table app.keka_sync_circuit (
    id boolean primary key default true,
    state text not null default 'CLOSED',
    kind text,
    reason text,
    opened_at timestamptz,
    next_probe_at timestamptz,
    probes integer not null default 0,
    config_fingerprint text,
    last_success_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint keka_sync_circuit_one_row check (id),
    constraint keka_sync_circuit_state_known check (state in ('CLOSED', 'OPEN')),
    constraint keka_sync_circuit_open_has_kind check (
        (state = 'OPEN') = (kind is not null and opened_at is not null and next_probe_at is not null)
    ),
    constraint keka_sync_circuit_kind_known check (kind in ('OUTAGE', 'REJECTED')),
    constraint keka_sync_circuit_reason_length check (length(reason) <= 2000),
    constraint keka_sync_circuit_fingerprint_length check (length(config_fingerprint) <= 200),
    constraint keka_sync_circuit_probes_nonnegative check (probes >= 0)
);

insert into app.keka_sync_circuit default values;

alter table app.keka_sync_circuit enable row level security;

comment on table app.keka_sync_circuit is
'Keka push circuit breaker (one row): OPEN while Keka refuses whole requests or is down.';
