-- Policy values (break and lunch allowances, shift hours, gatekeeper mode, …).
-- One row per key; an employee's shift_config may override any key.

create table app.settings (
    key text primary key,
    value jsonb not null,
    description text not null,
    constraint settings_key_format check (key ~ '^[a-z][a-z0-9_]*$'),
    constraint settings_key_length check (length(key) <= 64),
    constraint settings_description_length check (length(description) <= 1000),
    constraint settings_value_size check (octet_length(value::text) <= 4096)
);

alter table app.settings enable row level security;

comment on table app.settings is 'Attendance policy; read through app.policy(employee_id).';
