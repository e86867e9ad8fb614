-- Leave management (issue 12): policies (seeded), holidays, requests with the
-- overlap exclusion constraint, the append-only leave ledger and its balance
-- view, the calendar_sync outbox queues, week-off days as a setting, and the
-- daily_status column that marks a day on leave.
-- Mirrors sql/schema/500_leave.sql and sql/schema/210_daily_status.sql as they
-- were when this migration was written.

alter type app.day_status add value if not exists 'ON_LEAVE';

alter table app.daily_status add column leave_portion text;
alter table app.daily_status add constraint daily_status_leave_portion_known check (
    leave_portion in ('FULL_DAY', 'FIRST_HALF', 'SECOND_HALF')
);

insert into app.settings (key, value, description) values
(
    'week_off_days', '[6, 7]',
    'ISO weekdays (1 = Monday … 7 = Sunday) that are not working days; not counted as leave'
)
on conflict (key) do nothing;

create extension if not exists btree_gist with schema public;

create table app.leave_policies (
    code text primary key,
    name text not null,
    unit text not null default 'HALF_DAY',
    is_paid boolean not null default true,
    yearly_entitlement numeric(6, 2) not null default 0,
    accrual text not null default 'NONE',
    carry_forward_cap numeric(6, 2) not null default 0,
    carry_forward_expiry_months integer,
    max_consecutive_days integer not null default 30,
    backdate_days integer not null default 7,
    allow_negative boolean not null default false,
    count_non_working_days boolean not null default false,
    is_active boolean not null default true,
    updated_at timestamptz not null default now(),
    constraint leave_policies_code_format check (code ~ '^[A-Z][A-Z0-9_]{1,29}$'),
    constraint leave_policies_name_length check (length(btrim(name)) between 1 and 100),
    constraint leave_policies_unit_known check (unit in ('FULL_DAY', 'HALF_DAY')),
    constraint leave_policies_accrual_known check (accrual in ('NONE', 'MONTHLY', 'YEARLY')),
    constraint leave_policies_yearly_entitlement_range check (yearly_entitlement between 0 and 366),
    constraint leave_policies_carry_forward_cap_range check (carry_forward_cap between 0 and 366),
    constraint leave_policies_carry_forward_expiry_months_range check (carry_forward_expiry_months between 1 and 12),
    constraint leave_policies_max_consecutive_days_range check (max_consecutive_days between 1 and 366),
    constraint leave_policies_backdate_days_range check (backdate_days between 0 and 366)
);

alter table app.leave_policies enable row level security;

comment on table app.leave_policies is
'Leave types and their rules (entitlement, accrual, carry-forward, limits, sandwich rule).';

-- location '*' = every location; otherwise employees.location must match.
create table app.holidays (
    location text not null default '*',
    holiday_date date not null,
    name text not null,
    updated_at timestamptz not null default now(),
    primary key (location, holiday_date),
    constraint holidays_location_length check (length(location) between 1 and 100),
    constraint holidays_name_length check (length(btrim(name)) between 1 and 100),
    constraint holidays_date_range check (holiday_date between date '2000-01-01' and date '2100-12-31')
);

alter table app.holidays enable row level security;

comment on table app.holidays is 'Holiday calendar per location (* = all); not counted as leave days.';

create table app.leave_requests (
    employee_id uuid not null references app.employees (id),
    id bigint generated always as identity,
    policy_code text not null references app.leave_policies (code),
    start_date date not null,
    end_date date not null,
    half_day_start boolean not null default false,
    half_day_end boolean not null default false,
    days numeric(6, 2) not null,
    reason text,
    status text not null default 'PENDING',
    requested_by text not null,
    requested_at timestamptz not null default now(),
    decided_by text,
    decided_at timestamptz,
    decision_reason text,
    -- half-day slots since 2000-01-01: day n is [2n, 2n+2); a leave that starts
    -- in the afternoon starts at 2n+1, one that ends at noon ends at 2n+1
    slots int4range generated always as (
        int4range(
            2 * (start_date - date '2000-01-01') + (case when half_day_start then 1 else 0 end),
            2 * (end_date - date '2000-01-01') + (case when half_day_end then 1 else 2 end)
        )
    ) stored,
    calendar_event_id text,
    calendar_sync_status text not null default 'NOT_REQUIRED',
    calendar_last_error text,
    calendar_attempt_count integer not null default 0,
    calendar_synced_at timestamptz,
    primary key (employee_id, id),
    constraint leave_requests_dates_ordered check (end_date >= start_date),
    constraint leave_requests_dates_range check (
        start_date >= date '2000-01-01' and end_date <= date '2100-12-31'
    ),
    constraint leave_requests_not_empty check (not isempty(slots)),
    constraint leave_requests_days_positive check (days > 0 and days <= 366),
    constraint leave_requests_status_known check (status in ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED')),
    constraint leave_requests_reason_length check (length(reason) <= 500),
    constraint leave_requests_requested_by_length check (length(requested_by) between 1 and 200),
    constraint leave_requests_decided_by_length check (length(decided_by) <= 200),
    constraint leave_requests_decision_reason_length check (length(decision_reason) <= 500),
    constraint leave_requests_calendar_status_known check (
        calendar_sync_status in ('NOT_REQUIRED', 'PENDING', 'SYNCED', 'DELETE_PENDING', 'DELETED', 'FAILED')
    ),
    constraint leave_requests_calendar_event_id_length check (length(calendar_event_id) <= 1024),
    constraint leave_requests_calendar_error_length check (length(calendar_last_error) <= 2000),
    constraint leave_requests_calendar_attempts_nonnegative check (calendar_attempt_count >= 0),
    constraint leave_requests_decided_has_actor check (
        status = 'PENDING' or (decided_by is not null and decided_at is not null)
    ),
    -- the overlap rule: an employee's live (PENDING/APPROVED) leaves never share a half-day
    constraint leave_requests_no_overlap exclude using gist (
        employee_id with =, slots with &&
    ) where (status in ('PENDING', 'APPROVED'))
);

-- API clients address a request by its global id.
create index leave_requests_id_idx on app.leave_requests (id);
-- hr_admin's lists and the summary's pending column.
create index leave_requests_status_start_idx on app.leave_requests (status, start_date);
-- One employee's requests by date (their list, pending days against a balance).
create index leave_requests_employee_start_idx on app.leave_requests (employee_id, start_date);

alter table app.leave_requests enable row level security;

comment on table app.leave_requests is
'Leave requests: PENDING → APPROVED / REJECTED / CANCELLED; calendar_* columns belong to the worker.';

create table app.leave_ledger (
    employee_id uuid not null references app.employees (id),
    id bigint generated always as identity,
    policy_code text not null references app.leave_policies (code),
    entry_type text not null,
    days numeric(6, 2) not null,
    effective_date date not null,
    leave_request_id bigint,
    period_key text,
    reason text,
    created_by text not null,
    created_at timestamptz not null default now(),
    primary key (employee_id, id),
    foreign key (employee_id, leave_request_id) references app.leave_requests (employee_id, id),
    constraint leave_ledger_entry_type_known check (
        entry_type in (
            'ALLOCATION', 'ACCRUAL', 'CONSUMPTION', 'REVERSAL', 'CARRY_FORWARD', 'EXPIRY', 'ADJUSTMENT'
        )
    ),
    constraint leave_ledger_days_range check (days <> 0 and abs(days) <= 366),
    constraint leave_ledger_sign check (
        case entry_type
            when 'CONSUMPTION' then days < 0
            when 'EXPIRY' then days < 0
            when 'ALLOCATION' then days > 0
            when 'ACCRUAL' then days > 0
            when 'REVERSAL' then days > 0
            else true
        end
    ),
    constraint leave_ledger_request_rows check (
        (entry_type in ('CONSUMPTION', 'REVERSAL')) = (leave_request_id is not null)
    ),
    constraint leave_ledger_period_rows check (
        (entry_type in ('ALLOCATION', 'ACCRUAL', 'CARRY_FORWARD', 'EXPIRY')) = (period_key is not null)
    ),
    constraint leave_ledger_effective_range check (
        effective_date between date '2000-01-01' and date '2100-12-31'
    ),
    constraint leave_ledger_period_key_length check (length(period_key) between 1 and 40),
    constraint leave_ledger_reason_length check (length(reason) <= 500),
    constraint leave_ledger_created_by_length check (length(created_by) between 1 and 200),
    -- accrual, allocation, carry-forward and expiry are written once per period
    constraint leave_ledger_one_per_period unique (employee_id, policy_code, entry_type, period_key)
);

-- A request is consumed once and reversed once.
create unique index leave_ledger_one_per_request_idx
on app.leave_ledger (employee_id, leave_request_id, entry_type)
where leave_request_id is not null;

-- Balances: one employee's policy, in date order.
create index leave_ledger_balance_idx on app.leave_ledger (employee_id, policy_code, effective_date);

alter table app.leave_ledger enable row level security;

comment on table app.leave_ledger is
'Append-only leave ledger; a balance is the sum of its rows (app.leave_balances).';

-- Balances per employee, policy and leave year (calendar year of effective_date):
-- a view over the ledger, never a stored counter.
create view app.leave_balances with (security_invoker = true) as
select
    l.employee_id,
    l.policy_code,
    extract(year from l.effective_date)::integer as leave_year,
    coalesce(sum(l.days) filter (where l.entry_type in ('ALLOCATION', 'ACCRUAL')), 0) as accrued,
    coalesce(sum(l.days) filter (where l.entry_type = 'CARRY_FORWARD' and l.days > 0), 0) as carried_in,
    coalesce(-sum(l.days) filter (where l.entry_type in ('CONSUMPTION', 'REVERSAL')), 0) as taken,
    coalesce(sum(l.days) filter (where l.entry_type = 'ADJUSTMENT'), 0) as adjusted,
    coalesce(-sum(l.days) filter (where l.entry_type = 'EXPIRY'), 0) as expired,
    coalesce(-sum(l.days) filter (where l.entry_type = 'CARRY_FORWARD' and l.days < 0), 0) as carried_out,
    sum(l.days) as balance
from app.leave_ledger as l
group by l.employee_id, l.policy_code, extract(year from l.effective_date)::integer;

comment on view app.leave_balances is 'Leave balance per employee, policy and year: the ledger summed.';

-- The calendar outbox: approve/cancel send here; the worker reads it.
select pgmq.create('calendar_sync');
select pgmq.create('calendar_sync_dlq');

-- "Is a message for this request already waiting?" (no duplicate re-enqueue)
create index calendar_sync_request_idx
on pgmq.q_calendar_sync (((message ->> 'leave_request_id')::bigint));

-- The company's leave types (hr_admin changes them with api.upsert_leave_policy).
insert into app.leave_policies (
    code, name, unit, is_paid, yearly_entitlement, accrual, carry_forward_cap,
    carry_forward_expiry_months, max_consecutive_days, backdate_days, allow_negative,
    count_non_working_days
) values
('ANNUAL', 'Annual leave', 'HALF_DAY', true, 18, 'MONTHLY', 10, 3, 15, 7, false, false),
('SICK', 'Sick leave', 'HALF_DAY', true, 12, 'YEARLY', 0, null, 7, 30, false, false),
('CASUAL', 'Casual leave', 'HALF_DAY', true, 8, 'YEARLY', 0, null, 3, 7, false, false),
('UNPAID', 'Unpaid leave', 'FULL_DAY', false, 0, 'NONE', 0, null, 30, 30, true, true),
('COMP_OFF', 'Compensatory off', 'HALF_DAY', true, 0, 'NONE', 0, null, 2, 30, false, false)
on conflict (code) do nothing;
