-- Who may see whom: the caller's own id, plus (approvers) everyone below them in
-- the manager chain. RLS policies call it once per query through an InitPlan.

create or replace function app.visible_employee_ids() returns uuid[]
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    with recursive chain (id) as (
        select app.current_employee_id()
        union
        select e.id
        from app.employees as e
        inner join chain as c on e.manager_employee_id = c.id
        where app.current_app_role() in ('approver', 'hr_admin')
    )
    select coalesce(array_agg(chain.id), '{}') from chain where chain.id is not null
$$;
comment on function app.visible_employee_ids() is
'The caller and, for approvers, their direct and indirect reports.';

create or replace function app.is_report_of_caller(p_employee_id uuid) returns boolean
language sql stable
as $$
    select p_employee_id <> app.current_employee_id()
        and p_employee_id = any(app.visible_employee_ids())
$$;

grant execute on function app.visible_employee_ids() to employee, approver, hr_admin;
