-- PostgREST's db-pre-request: runs inside every request's transaction, after
-- the role and claims are set. Read-only (GETs run READ ONLY): it checks that
-- the token still matches the employee (active, role not above theirs).

create or replace function app.pre_request() returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_role text := app.current_app_role();
    v_employee_id uuid := app.current_employee_id();
    v_emp app.employees;
begin
    perform app.check_kiosk_device();  -- kiosk tokens: device registered, not revoked (900_kiosk_devices.sql)
    if v_role not in ('employee', 'approver', 'hr_admin') then
        return;
    end if;
    if v_employee_id is null then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'The token carries no valid employee_id claim.');
    end if;
    select * into v_emp from app.employees as e where e.id = v_employee_id;
    if not found then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'The token names an unknown employee.');
    end if;
    if v_emp.employment_status <> 'ACTIVE' then
        perform app.fail(403, 'EMPLOYEE_INACTIVE', 'This employee is not active.');
    end if;
    if array_position(array['employee', 'approver', 'hr_admin'], v_role)
        > array_position(array['employee', 'approver', 'hr_admin'], v_emp.role::text) then
        perform app.fail(403, 'FORBIDDEN', 'The token''s role is above the employee''s role.');
    end if;
end
$$;
comment on function app.pre_request() is 'PostgREST db-pre-request: token still valid for this employee.';
grant execute on function app.pre_request() to anon, employee, approver, hr_admin, kiosk;
