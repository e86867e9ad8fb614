-- Keka as it really behaves (issue 18) and no dead-lettering by outage (issue 19):
-- the push circuit breaker table, a skipped count per employee import, the one
-- sync limit's meaning, and the read-count dead-lettering function retired.

alter table app.keka_employee_imports add column skipped_count integer not null default 0;

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

update app.settings
set description = 'Failures of one punch on its own (while others were accepted) before it is dead-lettered'
where key = 'keka_sync_max_attempts';

-- Dead-lettering by read count is gone (reads during an outage no longer count).
drop function if exists app.dead_letter_v1(bigint[], integer);
