-- Which locks were already announced: one row per employee-day, lock reason
-- and lock generation (how many unlocks the day had before it locked). The
-- lock-notice trigger (sql/triggers/800_lock_notice.sql) inserts here and
-- queues the DMs only for rows it newly inserts, so a day re-derived while
-- locked is not announced twice, and a day that locks again after an unlock is.

create table app.day_lock_notices (
    employee_id uuid not null references app.employees (id),
    business_date_ist date not null,
    lock_reason text not null,
    lock_generation integer not null,
    queued_at timestamptz not null default now(),
    constraint day_lock_notices_pkey primary key (employee_id, business_date_ist, lock_reason, lock_generation),
    constraint day_lock_notices_lock_reason_length check (length(lock_reason) <= 64),
    constraint day_lock_notices_generation_nonnegative check (lock_generation >= 0)
);

alter table app.day_lock_notices enable row level security;

comment on table app.day_lock_notices is 'Locked days whose notices were queued (one per lock).';
