-- Duty roster and end-of-day lockup over HTTP: POST /rpc/set_duty (hr_admin),
-- POST /rpc/lockup (hr_admin or today's duty person of the site), GET
-- /duty_roster (every person) and GET /lockups (hr_admin).

create or replace function api.set_duty(site text, duty_date date, employee_id uuid) returns jsonb
language sql volatile
as $$
    select app.set_duty(site, duty_date, employee_id)
$$;
comment on function api.set_duty(text, date, uuid) is
'hr_admin: name the duty person of a site for a date (replaces an earlier one; audited SET_DUTY).';
grant execute on function api.set_duty(text, date, uuid) to hr_admin;

create or replace function api.lockup(site text, reason text default null, dry_run boolean default false)
returns jsonb
language sql volatile
as $$
    select app.lockup(site, reason, dry_run)
$$;
comment on function api.lockup(text, text, boolean) is
'hr_admin or today''s duty person: check out everyone still checked in at the site with a reason '
'(correction events, audited LOCKUP_CHECKOUT/LOCKUP); dry_run lists them only; a repeated call checks out nobody.';
grant execute on function api.lockup(text, text, boolean) to employee, approver, hr_admin;

create view api.duty_roster with (security_invoker = true) as
select
    d.site,
    d.duty_date,
    d.duty_employee_id,
    d.assigned_by,
    d.assigned_at
from app.duty_roster as d;
comment on view api.duty_roster is 'The duty person of each site and date.';
grant select on api.duty_roster to employee, approver, hr_admin;

create view api.lockups with (security_invoker = true) as
select
    l.id,
    l.site,
    l.business_date,
    l.reason,
    l.executed_by,
    l.executed_at,
    l.checked_out
from app.lockups as l;
comment on view api.lockups is 'hr_admin: every end-of-day lockup and whom it checked out.';
grant select on api.lockups to hr_admin;
