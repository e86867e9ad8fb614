-- Leave: policies, the holiday calendar, requests, and the append-only leave
-- ledger that balances are summed from (app.leave_balances, never a counter).
--
-- Keys follow the scale-out rule (issue 17): the per-employee tables carry
-- employee_id in their primary key and in every foreign key between them.
-- Overlap is refused by an exclusion constraint over half-day slots (two
-- half-day leaves on one day fit; anything else that overlaps does not).
-- The calendar outbox (pgmq calendar_sync + _dlq) is filled by approve and
-- cancel in their own transaction; only the worker writes the calendar_*
-- columns (column grants in sql/policies/500_leave.sql).

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
    constraint leave_policies_code_length check (length(code) <= 30),
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
    constraint leave_requests_policy_code_length check (length(policy_code) <= 30),
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
-- Pending days per employee and policy (leave_summary, api.leave_balances), covering.
create index leave_requests_pending_idx on app.leave_requests (employee_id, policy_code)
include (start_date, days)
where status = 'PENDING';

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
    constraint leave_ledger_policy_code_length check (length(policy_code) <= 30),
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

-- Balances: one employee's policy, in date order; covering, so leave_summary
-- streams the ledger in (employee_id, policy_code) order from an index-only scan.
create index leave_ledger_balance_idx on app.leave_ledger (employee_id, policy_code, effective_date)
include (entry_type, days);

-- Append-only: vacuumed every 10,000 inserted rows, so index-only scans skip the heap.
alter table app.leave_ledger set (
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000
);

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
