-- Role provisioning in batches (issue 14 part 2): hr_admin gives or takes a
-- role for many employees at once, all or nothing, one audit row per employee
-- whose role changed.
--
-- Roles stay one enum per employee (app.employees.role), ordered
-- employee < approver < hr_admin: each includes the ones below it (a token may
-- carry any role up to the employee's, app.pre_request), and approver
-- visibility follows the manager chain, not the role. So:
-- * assign_roles(ids, role) raises each employee to at least `role`; one who
--   already holds it or a higher one is left as they are (unchanged);
-- * unassign_roles(ids, role) takes `role` from those holding exactly it, one
--   step down (hr_admin -> approver -> employee); the base role `employee`
--   cannot be taken (deactivate the employee instead).
-- Nobody can take away the last active hr_admin, by whatever path: the
-- trigger in sql/triggers/750_roles.sql decides, under one lock.

create or replace function app.role_rank(p_role text) returns integer
language sql immutable
as $$
    select array_position(array['employee', 'approver', 'hr_admin'], p_role)
$$;

-- The checks both batch functions share: hr_admin caller, a known role, a
-- bounded list of known employees (locked, in id order so that concurrent
-- batches cannot deadlock). Returns the distinct ids.
create or replace function app.lock_role_batch(p_employee_ids uuid[], p_role text, p_reason text)
returns uuid[]
language plpgsql volatile
as $$
declare
    v_ids uuid[];
    v_missing uuid[];
begin
    perform app.require_role(array['hr_admin']);
    if app.role_rank(p_role) is null then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'role must be employee, approver or hr_admin.', '{"field": "role"}'
        );
    end if;
    if p_employee_ids is null or cardinality(p_employee_ids) = 0 or cardinality(p_employee_ids) > 1000
        or array_position(p_employee_ids, null) is not null then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'employee_ids must list 1 to 1000 employee ids, none null.',
            '{"field": "employee_ids"}'
        );
    end if;
    if p_reason is not null then
        perform app.require_reason(p_reason);
    end if;
    v_ids := array(select distinct u.id from unnest(p_employee_ids) as u (id) order by u.id);
    perform 1 from app.employees as e where e.id = any(v_ids) order by e.id for update;
    v_missing := array(
        select u.id from unnest(v_ids) as u (id)
        where not exists (select 1 from app.employees as e where e.id = u.id)
    );
    if cardinality(v_missing) > 0 then
        perform app.fail(
            404, 'EMPLOYEE_NOT_FOUND', format('%s of the employee ids are unknown; nothing was changed.',
                cardinality(v_missing)),
            jsonb_build_object('employee_ids', to_jsonb(v_missing[1:100]))
        );
    end if;
    return v_ids;
end
$$;

-- Set the role of the batch's employees selected by the caller and audit each.
-- (Like app.lock_role_batch: invoker rights, called only from the SECURITY
-- DEFINER assign_roles / unassign_roles, which check the caller first.)
create or replace function app.change_roles(
    p_ids uuid[], p_role text, p_new_role text, p_action text, p_reason text, p_only_below boolean
) returns jsonb
language plpgsql volatile
as $$
declare
    v_changed jsonb;
begin
    with changed as (
        update app.employees as e
        set role = p_new_role::app.employee_role
        from app.employees as before
        where e.id = any(p_ids) and before.id = e.id
            and case when p_only_below then app.role_rank(e.role::text) < app.role_rank(p_role)
                else e.role::text = p_role end
        returning e.id, before.role::text as before_role
    ),
    audited as (
        select c.id, app.audit(
            p_action, 'employees', c.id::text, c.id, p_reason,
            jsonb_build_object('role', c.before_role), jsonb_build_object('role', p_new_role),
            jsonb_build_object('role', p_role, 'batch_size', cardinality(p_ids))
        ) as audit_id
        from changed as c
    )
    select coalesce(jsonb_agg(a.id order by a.id), '[]') into v_changed from audited as a;
    return jsonb_build_object(
        'role', p_role,
        'changed', v_changed,
        'unchanged', coalesce(
            (select jsonb_agg(u.id order by u.id) from unnest(p_ids) as u (id) where not v_changed ? u.id::text),
            '[]'
        )
    );
end
$$;

create or replace function app.assign_roles(p_employee_ids uuid[], p_role text, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids uuid[] := app.lock_role_batch(p_employee_ids, p_role, p_reason);
begin
    return app.change_roles(v_ids, p_role, p_role, 'ASSIGN_ROLE', p_reason, true);
end
$$;
grant execute on function app.assign_roles(uuid[], text, text) to hr_admin;

create or replace function app.unassign_roles(p_employee_ids uuid[], p_role text, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids uuid[] := app.lock_role_batch(p_employee_ids, p_role, p_reason);
begin
    if p_role = 'employee' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'Every employee holds the role employee; deactivate the employee instead.',
            '{"field": "role"}'
        );
    end if;
    return app.change_roles(
        v_ids, p_role, (array['employee', 'approver'])[app.role_rank(p_role) - 1], 'UNASSIGN_ROLE', p_reason, false
    );
end
$$;
grant execute on function app.unassign_roles(uuid[], text, text) to hr_admin;
