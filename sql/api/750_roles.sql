-- Role provisioning in batches (POST /rpc/assign_roles, /rpc/unassign_roles):
-- hr_admin only, all or nothing, one audit row per employee whose role changed.
-- The rules are in sql/functions/750_roles.sql.

create or replace function api.assign_roles(employee_ids uuid[], role text, reason text default null)
returns jsonb
language sql volatile
as $$
    select app.assign_roles(employee_ids, role, reason)
$$;
comment on function api.assign_roles(uuid[], text, text) is
'hr_admin: raise each employee to at least role (employee < approver < hr_admin), all or nothing; '
'audited ASSIGN_ROLE per employee changed. Returns {role, changed, unchanged}.';
grant execute on function api.assign_roles(uuid[], text, text) to hr_admin;

create or replace function api.unassign_roles(employee_ids uuid[], role text, reason text default null)
returns jsonb
language sql volatile
as $$
    select app.unassign_roles(employee_ids, role, reason)
$$;
comment on function api.unassign_roles(uuid[], text, text) is
'hr_admin: take role from each employee holding exactly it, one step down (hr_admin -> approver -> employee), '
'all or nothing; audited UNASSIGN_ROLE per employee changed; 409 LAST_HR_ADMIN if no active hr_admin would remain.';
grant execute on function api.unassign_roles(uuid[], text, text) to hr_admin;
