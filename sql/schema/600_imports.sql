-- Attendance imports: a file staged as one batch (app.import_batches) and its
-- rows (app.import_rows), each parsed and validated in SQL with an outcome,
-- before anything reaches the ledger. The commit token is stored as its
-- SHA-256 only; a batch is committed once (idempotency_key unique: this
-- database serves one organisation) and rolled back by VOIDs, never deletes.

create table app.import_batches (
    id bigint generated always as identity primary key,
    format text not null,
    status text not null default 'PREPARED',
    file_name text,
    time_zone text not null,
    token_hash text not null unique,
    token_expires_at timestamptz not null,
    idempotency_key text unique,
    line_count integer not null,
    row_count integer not null,
    counts jsonb not null,
    effect jsonb,
    effect_computed_at timestamptz,
    progress_rows integer not null default 0,
    result jsonb,
    error text,
    created_by text not null,
    created_at timestamptz not null default now(),
    committed_by text,
    committed_at timestamptz,
    rolled_back_by text,
    rolled_back_at timestamptz,
    rollback_reason text,
    constraint import_batches_format_known check (format in ('csv', 'dingtalk')),
    constraint import_batches_status_known check (
        status in ('PREPARED', 'QUEUED', 'RUNNING', 'COMMITTED', 'FAILED', 'ROLLED_BACK')
    ),
    constraint import_batches_file_name_length check (length(file_name) <= 255),
    constraint import_batches_time_zone_length check (length(time_zone) <= 64),
    constraint import_batches_token_hash_format check (length(token_hash) = 64 and token_hash ~ '^[0-9a-f]{64}$'),
    constraint import_batches_idempotency_key_length check (length(idempotency_key) between 1 and 200),
    constraint import_batches_error_length check (length(error) <= 2000),
    constraint import_batches_created_by_length check (length(created_by) <= 200),
    constraint import_batches_committed_by_length check (length(committed_by) <= 200),
    constraint import_batches_rolled_back_by_length check (length(rolled_back_by) <= 200),
    constraint import_batches_rollback_reason_length check (length(rollback_reason) <= 1000),
    constraint import_batches_counts_object check (jsonb_typeof(counts) = 'object')
);

create table app.import_rows (
    -- the batch: checked once per statement, not per row (the foreign key's
    -- RI query per staged row was a fifth of a 100,000-row prepare); see
    -- sql/triggers/600_imports.sql and migration 0115
    batch_id bigint not null,
    row_no integer not null,
    line_no integer not null,
    column_no integer not null,
    employee_ref text,
    matched_employee_id uuid,
    event_type app.event_type,
    event_type_raw text,
    local_time text,
    time_zone text,
    occurred_at timestamptz,
    note text,
    outcome text not null,
    error_code text,
    error text,
    primary key (batch_id, row_no),
    constraint import_rows_outcome_known check (outcome in ('VALID', 'SKIPPED', 'DUPLICATE', 'ERROR')),
    constraint import_rows_valid_complete check (
        outcome <> 'VALID' or (matched_employee_id is not null and event_type is not null and occurred_at is not null)
    ),
    constraint import_rows_employee_ref_length check (length(employee_ref) <= 320),
    constraint import_rows_event_type_raw_length check (length(event_type_raw) <= 40),
    constraint import_rows_local_time_length check (length(local_time) <= 60),
    constraint import_rows_time_zone_length check (length(time_zone) <= 64),
    constraint import_rows_note_length check (length(note) <= 500),
    constraint import_rows_error_code_length check (length(error_code) <= 40),
    constraint import_rows_error_length check (length(error) <= 300)
);
-- (no UPDATE follows the INSERT, so full pages: the commit records id ranges,
-- below; migration 0171 dropped event_id and the fillfactor 0105 set for it)

-- Preview pages filtered by outcome, in file order: SKIPPED, DUPLICATE and
-- ERROR rows (usually few). A page of VALID rows walks the primary key; an
-- entry per VALID row was a third of a clean file's INSERT (migration 0170).
create index import_rows_not_valid_idx on app.import_rows (batch_id, outcome, row_no)
where outcome <> 'VALID';

-- The ledger id range each apply of a batch wrote (the whole batch, or one
-- part of a worker job): one INSERT into the ledger draws its ids from one
-- sequence, so a batch's events are the ledger rows in its ranges whose
-- payload names the batch (another writer's ids may interleave). Migration
-- 0171: this replaced an event_id written back into every staged row.
create table app.import_event_ranges (
    batch_id bigint not null references app.import_batches (id),
    first_event_id bigint not null,
    last_event_id bigint not null,
    primary key (batch_id, first_event_id),
    constraint import_event_ranges_ordered check (first_event_id <= last_event_id)
);

alter table app.import_batches enable row level security;
alter table app.import_event_ranges enable row level security;
alter table app.import_rows enable row level security;

comment on table app.import_batches is
'One attendance file staged for import: token (hashed), counts by outcome, predicted effect, status.';
comment on table app.import_event_ranges is
'The ledger id range each apply of an import batch wrote '
'(its events are the rows there whose payload names the batch).';
comment on table app.import_rows is
'Staged rows of an import batch, one per punch found in the file, with outcome and error. Keyed by batch '
'(coordinator-local in the scale-out plan): matched_employee_id is who the row names, null when nobody.';
