-- Duty roster and lockups (issue 15 part 6): one duty person per site and
-- date, and the record of each end-of-day lockup (who ran it, why, whom it
-- checked out). Written only by app.set_duty and app.lockup
-- (sql/functions/960_lockup.sql); the checkouts themselves are ledger rows
-- (CLOCK_OUT, source 'admin') and audit rows, this table only groups them.
--
-- Keys: site facts, not an employee's (scale-out plan: duty_roster is a
-- reference table, lockups coordinator-local). duty_employee_id has no foreign
-- key, which would make the roster per-employee under the key rule and forbid
-- its one-person-per-site-day key; app.set_duty checks the person exists and
-- is active, and employees are deactivated, never deleted.

create table app.duty_roster (
    site text not null,
    duty_date date not null,
    duty_employee_id uuid not null,
    assigned_by text not null,
    assigned_at timestamptz not null default now(),
    primary key (site, duty_date),
    constraint duty_roster_site_length check (length(site) between 1 and 64),
    constraint duty_roster_duty_date_window check (duty_date between '2000-01-01' and '2100-01-01'),
    constraint duty_roster_assigned_by_length check (length(assigned_by) <= 320)
);

create table app.lockups (
    id bigint generated always as identity primary key,
    site text not null,
    business_date date not null,
    reason text not null,
    executed_by text not null,
    executed_at timestamptz not null default now(),
    checked_out jsonb not null,
    constraint lockups_site_length check (length(site) between 1 and 64),
    constraint lockups_reason_length check (length(reason) between 3 and 1000),
    constraint lockups_executed_by_length check (length(executed_by) <= 320),
    constraint lockups_checked_out_array check (jsonb_typeof(checked_out) = 'array')
);

-- One duty person per site and date whatever the case the site is typed in
-- (lockup and presence compare lower(site); app.set_duty upserts on this key)
create unique index duty_roster_site_ci_key on app.duty_roster (lower(site), duty_date);

-- "Was this site locked up today?" (a repeated lockup answers with the first)
create index lockups_site_date_idx on app.lockups (site, business_date, id);

alter table app.duty_roster enable row level security;
alter table app.lockups enable row level security;

comment on table app.duty_roster is 'The duty person per site and date (may run that day''s lockup).';
comment on table app.lockups is 'End-of-day lockups: site, reason, who ran it, whom it checked out.';
