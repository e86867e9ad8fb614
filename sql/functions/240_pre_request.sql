-- PostgREST's db-pre-request: runs inside every request's transaction, after
-- the role, claims and request line are set, before the call. In order:
-- 0. a kiosk token names a registered device that is not revoked (sql/functions/900_kiosk_devices.sql);
-- 1. the token still matches the employee (active, role not above theirs);
-- 2. the IP allow-list, for the roles it applies to (sql/functions/745_ip_allowlist.sql);
-- 3. the rate limit of the call's class, when it has one (sql/functions/740_rate_limit.sql).
-- VOLATILE because step 3 writes its counter; GETs run READ ONLY, where
-- step 3 writes nothing (read-only calls are not counted). A punch is in no
-- class: it pays the identity check, which reads the allow-list setting in
-- the same statement (no call of app.require_allowed_ip while the list is
-- empty), and a CASE on its path (bench/rate_limit.py measures it).

create or replace function app.pre_request() returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_role text := app.current_app_role();
    v_employee_id uuid := app.current_employee_id();
    v_emp record;
    v_class text;
    -- whether an allow-list is set: the employee roles learn it with their
    -- identity check; any other role asks app.require_allowed_ip
    v_allowlist boolean := true;
begin
    if v_role = 'kiosk' then
        perform app.check_kiosk_device();  -- device registered, not revoked (900_kiosk_devices.sql)
    end if;
    if v_role in ('employee', 'approver', 'hr_admin') then
        if v_employee_id is null then
            perform app.fail(401, 'NOT_AUTHENTICATED', 'The token carries no valid employee_id claim.');
        end if;
        -- the employee and the allow-list in one statement (a punch runs no other query here)
        select
            e.employment_status,
            e.role,
            coalesce(jsonb_array_length(
                (select s.value from app.settings as s where s.key = 'ip_allowlist')
            ), 0) > 0 as allowlist
        into v_emp
        from app.employees as e where e.id = v_employee_id;
        if not found then
            perform app.fail(401, 'NOT_AUTHENTICATED', 'The token names an unknown employee.');
        end if;
        if v_emp.employment_status <> 'ACTIVE' then
            perform app.fail(403, 'EMPLOYEE_INACTIVE', 'This employee is not active.');
        end if;
        if app.role_rank(v_role) > app.role_rank(v_emp.role::text) then
            perform app.fail(403, 'FORBIDDEN', 'The token''s role is above the employee''s role.');
        end if;
        v_allowlist := v_emp.allowlist;
    end if;
    if v_allowlist then
        perform app.require_allowed_ip(v_role);
    end if;
    -- most calls (a punch) are in no class: no call then
    v_class := app.rate_limit_class(current_setting('request.method', true), current_setting('request.path', true));
    if v_class is not null then
        perform app.rate_limit_hit(v_class);
    end if;
end
$$;
comment on function app.pre_request() is
'PostgREST db-pre-request: token still valid for this employee, IP allow-list, rate limits.';
grant execute on function app.pre_request() to anon, employee, approver, hr_admin, kiosk;
