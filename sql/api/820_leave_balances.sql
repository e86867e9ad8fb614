-- Leave balances over HTTP: GET /leave_balances (a view over the ledger, by
-- year; RLS: own, chain, all), hr_admin's manual adjustments and the summary report.

create view api.leave_balances with (security_invoker = true) as
with keys as (
    select
        b.employee_id,
        b.policy_code,
        b.leave_year
    from app.leave_balances as b
    union
    select
        r.employee_id,
        r.policy_code,
        extract(year from r.start_date)::integer as leave_year
    from app.leave_requests as r
    where r.status = 'PENDING'
)

select
    k.employee_id,
    k.policy_code,
    k.leave_year,
    coalesce(b.accrued, 0) as accrued,
    coalesce(b.carried_in, 0) as carried_in,
    coalesce(b.taken, 0) as taken,
    coalesce(b.adjusted, 0) as adjusted,
    coalesce(b.expired, 0) as expired,
    coalesce(b.carried_out, 0) as carried_out,
    coalesce(b.balance, 0) as balance,
    coalesce(p.pending, 0) as pending,
    coalesce(b.balance, 0) - coalesce(p.pending, 0) as available
from keys as k
left join app.leave_balances as b
    on k.employee_id = b.employee_id and k.policy_code = b.policy_code and k.leave_year = b.leave_year
left join lateral (
    select sum(r.days) as pending
    from app.leave_requests as r
    where r.employee_id = k.employee_id and r.policy_code = k.policy_code and r.status = 'PENDING'
        and extract(year from r.start_date)::integer = k.leave_year
) as p on true;
comment on view api.leave_balances is
'Leave balance per employee, policy and year, summed from the leave ledger; available = balance - pending.';
grant select on api.leave_balances to employee, approver, hr_admin;

create or replace function api.adjust_leave_balance(
    employee_id uuid, policy_code text, days numeric, reason text, effective_date date default null
) returns jsonb
language sql volatile
as $$
    select app.adjust_leave_balance(employee_id, policy_code, days, reason, effective_date)
$$;
comment on function api.adjust_leave_balance(uuid, text, numeric, text, date) is
'hr_admin: add or remove days (an ADJUSTMENT ledger row, e.g. a comp-off grant), audited LEAVE_ADJUST.';
grant execute on function api.adjust_leave_balance(uuid, text, numeric, text, date) to hr_admin;

create or replace function api.leave_summary(from_date date, to_date date, department text default null)
returns table (
    employee_id uuid,
    employee_number text,
    full_name text,
    department text,
    policy_code text,
    opening numeric,
    accrued numeric,
    taken numeric,
    adjusted numeric,
    expired numeric,
    carried_out numeric,
    pending numeric,
    closing numeric
)
language sql stable
as $$
    select * from app.leave_summary(from_date, to_date, department)
$$;
comment on function api.leave_summary(date, date, text) is
'hr_admin: per employee and policy, opening, accrued, taken, adjusted, expired, carried out, pending and closing '
'days for a period within one leave year, optionally for one department.';
grant execute on function api.leave_summary(date, date, text) to hr_admin;
