-- Helpers for the pgTAP suite (installed in test databases only, never by
-- migrations): switch identity as PostgREST would, and make employees.

create schema if not exists tests;
grant usage on schema tests to public;

-- Become a JWT role with claims, exactly as PostgREST sets them per request.
create or replace function tests.authenticate_as(
    p_role text, p_employee_id uuid default null, p_extra jsonb default '{}'
) returns void
language plpgsql
as $$
begin
    perform set_config(
        'request.jwt.claims',
        (jsonb_build_object('role', p_role)
            || case when p_employee_id is null then '{}'::jsonb
               else jsonb_build_object('employee_id', p_employee_id, 'sub', 'U-' || left(p_employee_id::text, 8))
               end
            || p_extra)::text,
        true
    );
    perform set_config('role', p_role, true);
end
$$;

create or replace function tests.clear_authentication() returns void
language plpgsql
as $$
begin
    perform set_config('role', 'none', true);
    perform set_config('request.jwt.claims', '', true);
end
$$;

-- Make an employee as the owner (security definer: callable under any role).
create or replace function tests.create_employee(
    p_email text,
    p_manager uuid default null,
    p_role app.employee_role default 'employee',
    p_shift_type text default 'GENERAL'
) returns uuid
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    insert into app.employees (email, full_name, manager_employee_id, role, shift_config, attendance_number, badge_id)
    values (
        p_email, split_part(p_email, '@', 1), p_manager, p_role,
        jsonb_build_object('shift_type', p_shift_type),
        'A-' || split_part(p_email, '@', 1), 'B-' || split_part(p_email, '@', 1)
    )
    returning id
$$;

-- Scenario tests replay fixed times: let employees date punches far back.
create or replace function tests.allow_backdating() returns void
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    update app.settings set value = '527040' where key = 'employee_backdate_minutes'
$$;

create or replace function tests.set_setting(p_key text, p_value jsonb) returns void
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    update app.settings set value = p_value where key = p_key
$$;

-- IST wall-clock text → timestamptz: tests.ist('2026-11-20 10:00').
create or replace function tests.ist(p_wall text) returns timestamptz
language sql immutable
as $$
    select (p_wall::timestamp at time zone 'Asia/Kolkata')
$$;

create or replace function tests.day(p_employee_id uuid, p_date date) returns app.daily_status
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    select * from app.daily_status where employee_id = p_employee_id and business_date_ist = p_date
$$;

create or replace function tests.plan() returns text
language sql immutable
as $$
    select 'Finish API integration and manager dashboard'
$$;

grant execute on all functions in schema tests to public;

-- The import tests' scene: an hr_admin (ana@example.com) acting with the
-- owner's role, so the checks can read the staging tables, and one employee
-- (li@example.com) with the given employee number; returns the employee's id.
create or replace function tests.import_scene(p_employee_number text default 'E-2') returns uuid
language plpgsql
as $$
declare
    v_employee uuid := tests.create_employee('li@example.com');
begin
    update app.employees set employee_number = p_employee_number where id = v_employee;
    perform tests.authenticate_as('hr_admin', tests.create_employee('ana@example.com', null, 'hr_admin'));
    perform set_config('role', 'none', true);
    return v_employee;
end
$$;
