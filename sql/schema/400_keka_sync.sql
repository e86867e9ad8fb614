-- Keka sync: the outbox queues (pgmq), the HRIS token cache and the log of
-- employee imports. The worker (hithonix_worker) reads the queue; the ledger's
-- _900_enqueue trigger writes it in the inserting transaction.

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
    constraint keka_employee_imports_status_known check (status in ('RUNNING', 'SUCCEEDED', 'FAILED'))
);

alter table app.keka_employee_imports enable row level security;

comment on table app.keka_employee_imports is 'One row per employee import run from Keka.';
