-- Admin and approver endpoints (POST /rpc/<name>). Every one writes an
-- audit_logs row; the checks of role and target live in the app functions.

create or replace function api.add_event(
    employee_id uuid, event_type text, occurred_at timestamptz, reason text
) returns jsonb
language sql volatile
as $$
    select app.add_event(employee_id, event_type, occurred_at, reason)
$$;
comment on function api.add_event(uuid, text, timestamptz, text) is
'hr_admin: add a missing punch to an employee''s ledger (audited ADMIN_ADJUST).';
grant execute on function api.add_event(uuid, text, timestamptz, text) to hr_admin;

create or replace function api.void_event(event_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.void_event(event_id, reason)
$$;
comment on function api.void_event(bigint, text) is
'hr_admin: cancel an event with a VOID row (audited VOID_EVENT).';
grant execute on function api.void_event(bigint, text) to hr_admin;

create or replace function api.unlock_day(employee_id uuid, business_date date, reason text)
returns jsonb
language sql volatile
as $$
    select app.unlock_day(employee_id, business_date, reason)
$$;
comment on function api.unlock_day(uuid, date, text) is
'approver (own reports) or hr_admin: clear a policy lock with a reason (audited UNLOCK_DAY).';
grant execute on function api.unlock_day(uuid, date, text) to approver, hr_admin;

create or replace function api.upsert_employee(
    email text,
    full_name text,
    id uuid default null,
    employee_number text default null,
    attendance_number text default null,
    manager_employee_id uuid default null,
    department text default null,
    designation text default null,
    location text default null,
    shift_config jsonb default null,
    slack_user_id text default null,
    badge_id text default null,
    date_of_joining date default null
) returns jsonb
language sql volatile
as $$
    select app.upsert_employee(
        email, full_name, id, employee_number, attendance_number, manager_employee_id,
        department, designation, location, shift_config, slack_user_id, badge_id, date_of_joining
    )
$$;
comment on function api.upsert_employee(
    text, text, uuid, text, text, uuid, text, text, text, jsonb, text, text, date
) is 'hr_admin: create or update an employee (matched by id, else e-mail); audited.';
grant execute on function api.upsert_employee(
    text, text, uuid, text, text, uuid, text, text, text, jsonb, text, text, date
) to hr_admin;

create or replace function api.set_employee_role(employee_id uuid, role text, reason text)
returns jsonb
language sql volatile
as $$
    select app.set_employee_role(employee_id, role, reason)
$$;
comment on function api.set_employee_role(uuid, text, text) is
'hr_admin: make an employee an employee, approver or hr_admin (audited).';
grant execute on function api.set_employee_role(uuid, text, text) to hr_admin;

create or replace function api.deactivate_employee(employee_id uuid, reason text) returns jsonb
language sql volatile
as $$
    select app.deactivate_employee(employee_id, reason)
$$;
comment on function api.deactivate_employee(uuid, text) is
'hr_admin: mark an employee inactive; their tokens stop working (audited).';
grant execute on function api.deactivate_employee(uuid, text) to hr_admin;
