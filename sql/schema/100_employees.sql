-- Employees: the people who punch, approve and administer, as imported from Keka
-- or maintained by hr_admin. The manager chain (manager_employee_id) decides
-- what an approver may see; a trigger keeps it free of cycles.

create type app.employee_role as enum ('employee', 'approver', 'hr_admin');
create type app.employment_status as enum ('ACTIVE', 'INACTIVE', 'RELIEVED');

create table app.employees (
    id uuid primary key default gen_random_uuid(),
    keka_id text unique,
    employee_number text unique,
    attendance_number text unique,
    email citext not null unique,
    full_name text not null,
    slack_user_id text unique,
    badge_id text unique,
    manager_employee_id uuid references app.employees (id),
    department text,
    designation text,
    location text,
    employment_status app.employment_status not null default 'ACTIVE',
    date_of_joining date,
    exit_date date,
    role app.employee_role not null default 'employee',
    shift_config jsonb not null default '{"shift_type": "GENERAL"}',
    raw_keka_profile jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint employees_full_name_present check (btrim(full_name) <> ''),
    constraint employees_email_format check (email ~ '^[^@\s]+@[^@\s]+$'),
    constraint employees_not_own_manager check (manager_employee_id <> id),
    constraint employees_shift_config_valid check (
        jsonb_typeof(shift_config) = 'object'
        and shift_config ->> 'shift_type' in ('GENERAL', 'FLEXIBLE', 'NIGHT')
    )
);

create index employees_manager_idx on app.employees (manager_employee_id);

alter table app.employees enable row level security;

comment on table app.employees is
'People known to the attendance system; keka_id/attendance_number link them to Keka.';
