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

-- Who may decide on an employee's request (leave, adjustments): an approver
-- over the requester's chain or hr_admin, never the requester, and only while
-- the request is pending. p_kind prefixes the codes (LEAVE_SELF_APPROVAL,
-- ADJUSTMENT_NOT_PENDING, ...); p_noun names the request in the sentences.
create or replace function app.require_decider(
    p_employee_id uuid, p_status text, p_kind text, p_noun text
) returns void
language plpgsql stable
as $$
begin
    perform app.require_role(array['approver', 'hr_admin']);
    if p_employee_id = app.current_employee_id() then
        perform app.fail(403, p_kind || '_SELF_APPROVAL', format('Nobody decides on their own %s.', p_noun));
    end if;
    if app.current_app_role() = 'approver' and not app.is_report_of_caller(p_employee_id) then
        perform app.fail(403, 'FORBIDDEN', format('Approvers decide on the %s of their own reports only.', p_noun));
    end if;
    if p_status <> 'PENDING' then
        perform app.fail(409, p_kind || '_NOT_PENDING', format('This request is %s.', p_status));
    end if;
end
$$;
comment on function app.require_decider(uuid, text, text, text) is
'Refuse a decision by the requester (403 <KIND>_SELF_APPROVAL), outside the approver''s chain (403) '
'or on a decided request (409 <KIND>_NOT_PENDING).';
