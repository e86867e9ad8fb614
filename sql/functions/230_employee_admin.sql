-- hr_admin's maintenance of employees, audited. Keka imports use their own
-- path (the worker); these are the manual ones. A value outside a column's
-- bound is a 422 naming the field (app.fail_constraint), never the row.

create or replace function app.upsert_employee(
    p_email text,
    p_full_name text,
    p_id uuid default null,
    p_employee_number text default null,
    p_attendance_number text default null,
    p_manager_employee_id uuid default null,
    p_department text default null,
    p_designation text default null,
    p_location text default null,
    p_shift_config jsonb default null,
    p_slack_user_id text default null,
    p_badge_id text default null,
    p_date_of_joining date default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, public, pg_temp
as $$
declare
    v_before app.employees;
    v_after app.employees;
    v_state text;
    v_constraint text;
    v_column text;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_max_length('email', p_email, 254);
    if p_email is null or p_email !~ '^[^@\s]+@[^@\s]+$' then
        perform app.fail(422, 'INVALID_ARGUMENT', 'email must be an e-mail address.', '{"field": "email"}');
    end if;
    if p_full_name is null or btrim(p_full_name) = '' then
        perform app.fail(422, 'INVALID_ARGUMENT', 'full_name is required.', '{"field": "full_name"}');
    end if;
    select * into v_before from app.employees as e
    where (p_id is not null and e.id = p_id) or (p_id is null and e.email = p_email::citext)
    for update;
    begin
        if not found then
            insert into app.employees (
                id, email, full_name, employee_number, attendance_number, manager_employee_id,
                department, designation, location, shift_config, slack_user_id, badge_id, date_of_joining
            ) values (
                coalesce(p_id, gen_random_uuid()), p_email, p_full_name, p_employee_number,
                p_attendance_number, p_manager_employee_id, p_department, p_designation, p_location,
                coalesce(p_shift_config, '{"shift_type": "GENERAL"}'), p_slack_user_id, p_badge_id,
                p_date_of_joining
            )
            returning * into v_after;
        else
            update app.employees as e set
                email = p_email,
                full_name = p_full_name,
                employee_number = coalesce(p_employee_number, e.employee_number),
                attendance_number = coalesce(p_attendance_number, e.attendance_number),
                manager_employee_id = coalesce(p_manager_employee_id, e.manager_employee_id),
                department = coalesce(p_department, e.department),
                designation = coalesce(p_designation, e.designation),
                location = coalesce(p_location, e.location),
                shift_config = coalesce(p_shift_config, e.shift_config),
                slack_user_id = coalesce(p_slack_user_id, e.slack_user_id),
                badge_id = coalesce(p_badge_id, e.badge_id),
                date_of_joining = coalesce(p_date_of_joining, e.date_of_joining)
            where e.id = v_before.id
            returning * into v_after;
        end if;
    exception when check_violation or not_null_violation or unique_violation or foreign_key_violation then
        get stacked diagnostics v_state = returned_sqlstate, v_constraint = constraint_name, v_column = column_name;
        perform app.fail_constraint(v_state, v_constraint, v_column);
    end;
    perform app.audit(
        'UPSERT_EMPLOYEE', 'employees', v_after.id::text, v_after.id, null,
        case when v_before.id is null then null else to_jsonb(v_before) end, to_jsonb(v_after)
    );
    return to_jsonb(v_after) - 'raw_keka_profile';
end
$$;
grant execute on function app.upsert_employee(
    text, text, uuid, text, text, uuid, text, text, text, jsonb, text, text, date
) to hr_admin;

create or replace function app.set_employee_role(p_employee_id uuid, p_role text, p_reason text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.employees;
    v_after app.employees;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    if p_role is null or p_role not in ('employee', 'approver', 'hr_admin') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'role must be employee, approver or hr_admin.');
    end if;
    select * into v_before from app.employees as e where e.id = p_employee_id for update;
    if not found then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    update app.employees as e set role = p_role::app.employee_role
    where e.id = p_employee_id
    returning * into v_after;
    perform app.audit(
        'SET_EMPLOYEE_ROLE', 'employees', p_employee_id::text, p_employee_id, p_reason,
        jsonb_build_object('role', v_before.role), jsonb_build_object('role', v_after.role)
    );
    return to_jsonb(v_after) - 'raw_keka_profile';
end
$$;
grant execute on function app.set_employee_role(uuid, text, text) to hr_admin;

create or replace function app.deactivate_employee(p_employee_id uuid, p_reason text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.employees;
    v_after app.employees;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    select * into v_before from app.employees as e where e.id = p_employee_id for update;
    if not found then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    update app.employees as e
    set employment_status = 'INACTIVE', exit_date = coalesce(e.exit_date, app.ist_date(now()))
    where e.id = p_employee_id
    returning * into v_after;
    perform app.audit(
        'DEACTIVATE_EMPLOYEE', 'employees', p_employee_id::text, p_employee_id, p_reason,
        jsonb_build_object('employment_status', v_before.employment_status, 'exit_date', v_before.exit_date),
        jsonb_build_object('employment_status', v_after.employment_status, 'exit_date', v_after.exit_date)
    );
    return to_jsonb(v_after) - 'raw_keka_profile';
end
$$;
grant execute on function app.deactivate_employee(uuid, text) to hr_admin;
