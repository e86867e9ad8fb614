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
    ),
    -- bounds (issue 10): a value outside them is a 422 naming the field, never an index error
    constraint employees_keka_id_length check (length(keka_id) <= 64),
    constraint employees_employee_number_length check (length(employee_number) <= 64),
    constraint employees_attendance_number_length check (length(attendance_number) <= 64),
    constraint employees_email_length check (length(email) <= 254),
    constraint employees_full_name_length check (length(full_name) <= 200),
    constraint employees_slack_user_id_length check (length(slack_user_id) <= 64),
    constraint employees_badge_id_length check (length(badge_id) <= 64),
    constraint employees_department_length check (length(department) <= 200),
    constraint employees_designation_length check (length(designation) <= 200),
    constraint employees_location_length check (length(location) <= 200),
    constraint employees_shift_config_size check (octet_length(shift_config::text) <= 4096),
    constraint employees_raw_keka_profile_size check (octet_length(raw_keka_profile::text) <= 65536),
    constraint employees_date_of_joining_window check (date_of_joining between '1950-01-01' and '2100-01-01'),
    constraint employees_exit_date_window check (exit_date between '1950-01-01' and '2100-01-01')
);

create index employees_manager_idx on app.employees (manager_employee_id);
-- the presence board's join: department and name without the wide row (index-only when all-visible)
create index employees_presence_idx on app.employees (id) include (department, full_name);

alter table app.employees enable row level security;

comment on table app.employees is
'People known to the attendance system; keka_id/attendance_number link them to Keka.';
