-- Duty roster and lockups (issue 15 part 6). See sql/schema/960_duty_roster.sql.
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

create index lockups_site_date_idx on app.lockups (site, business_date, id);

alter table app.duty_roster enable row level security;
alter table app.lockups enable row level security;

comment on table app.duty_roster is 'The duty person per site and date (may run that day''s lockup).';
comment on table app.lockups is 'End-of-day lockups: site, reason, who ran it, whom it checked out.';
