-- Unlocks of locked days: append-only, like the ledger. A lock reason raised by
-- an event at or below through_event_id is cleared; later violations lock again.

create table app.day_unlocks (
    id bigint generated always as identity,
    employee_id uuid not null references app.employees (id),
    business_date_ist date not null,
    through_event_id bigint not null,
    lock_reason text not null,
    reason text not null,
    unlocked_by text not null,
    unlocked_at timestamptz not null default now(),
    constraint day_unlocks_pkey primary key (id, employee_id),
    constraint day_unlocks_reason_present check (length(btrim(reason)) >= 3),
    constraint day_unlocks_reason_length check (length(reason) <= 1000),
    constraint day_unlocks_lock_reason_length check (length(lock_reason) <= 64),
    constraint day_unlocks_unlocked_by_length check (length(unlocked_by) <= 320)
);

create index day_unlocks_day_idx on app.day_unlocks (employee_id, business_date_ist);

alter table app.day_unlocks enable row level security;

comment on table app.day_unlocks is 'Approver/admin unlocks of policy-locked days (audited).';
