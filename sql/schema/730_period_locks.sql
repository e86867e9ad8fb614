-- Payroll period locks (issue 14, part 6): hr_admin closes a date range; while
-- the lock is active (reopened_at null) nothing changes the attendance record
-- for those business dates (app.assert_period_open, called by the triggers in
-- sql/triggers/730_period_lock.sql). Reopening is the one change a row takes,
-- once, with a reason; rows are never deleted.

create table app.period_locks (
    id bigint generated always as identity primary key,
    date_from date not null,
    date_to date not null,
    period daterange generated always as (daterange(date_from, date_to, '[]')) stored,
    reason text not null,
    locked_by text not null,
    locked_at timestamptz not null default now(),
    reopened_at timestamptz,
    reopened_by text,
    reopen_reason text,
    constraint period_locks_dates_ordered check (date_to >= date_from),
    constraint period_locks_dates_range check (date_from >= date '2000-01-01' and date_to <= date '2100-12-31'),
    constraint period_locks_span check (date_to - date_from < 366),
    constraint period_locks_reason_length check (length(btrim(reason)) between 3 and 1000),
    constraint period_locks_locked_by_length check (length(locked_by) between 1 and 320),
    constraint period_locks_reopened_complete check (
        (reopened_at is null) = (reopened_by is null) and (reopened_at is null) = (reopen_reason is null)
    ),
    constraint period_locks_reopened_by_length check (length(reopened_by) <= 320),
    constraint period_locks_reopen_reason_length check (length(btrim(reopen_reason)) between 3 and 1000),
    -- active locks never overlap: one lock answers for any date
    constraint period_locks_no_overlap exclude using gist (period with &&) where (reopened_at is null)
);

alter table app.period_locks enable row level security;

comment on table app.period_locks is
'Payroll period locks: while active (reopened_at null), no write changes attendance on those business dates.';
