-- Derived whiteboard: one row per employee and business date, maintained from
-- the ledger (and day_unlocks) alone: a live punch applies its one transition
-- to the stored row, everything else replays the day (sql/functions/110).
-- app.daily_status_differences() proves stored == recomputed.
--
-- The last five columns are the state machine's own state, so that one step
-- needs nothing but the row: the exact seconds behind the minutes, when the
-- current state began, and how many lunches were started. They are not in
-- api.daily_status.

create type app.day_status as enum ('OFF_DUTY', 'ON_SHIFT', 'ON_BREAK', 'ON_LUNCH', 'ON_LEAVE');

create table app.daily_status (
    -- an employee of app.employees: checked once per statement by the triggers
    -- of sql/triggers/105_ledger_employee_ref.sql, not a foreign key (one RI
    -- query per stored day; migration 0166)
    employee_id uuid not null,
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
    state_since timestamptz,
    worked_seconds integer not null default 0,
    break_seconds integer not null default 0,
    lunch_seconds integer not null default 0,
    lunch_starts integer not null default 0,
    -- approved leave on this day (sql/functions/600_leave_day.sql): FULL_DAY, FIRST_HALF, SECOND_HALF
    leave_portion text,
    primary key (employee_id, business_date_ist),
    constraint daily_status_lock_has_reason check (is_locked = (lock_reason is not null)),
    constraint daily_status_lock_reason_known check (
        lock_reason in (
            'BREAK_OVERLIMIT', 'LUNCH_OVERLIMIT', 'EARLY_CLOCK_OUT_BEFORE_7PM',
            'BREAK_END_WITHOUT_START', 'LUNCH_END_WITHOUT_START'
        )
    ),
    constraint daily_status_leave_portion_known check (
        leave_portion in ('FULL_DAY', 'FIRST_HALF', 'SECOND_HALF')
    ),
    constraint daily_status_minutes_nonnegative check (
        worked_minutes >= 0 and break_minutes_used >= 0 and lunch_minutes >= 0
    ),
    constraint daily_status_seconds_match_minutes check (
        worked_minutes = worked_seconds / 60 and break_minutes_used = break_seconds / 60
        and lunch_minutes = lunch_seconds / 60
    ),
    constraint daily_status_since_when_on_duty check ((state_since is null) = (current_status = 'OFF_DUTY'))
);

-- The status board: everyone's day for one date, or an approver's chain on it.
create index daily_status_date_employee_idx on app.daily_status (business_date_ist, employee_id);

alter table app.daily_status enable row level security;

comment on table app.daily_status is 'Derived per-day status; never written except by the derivation.';
