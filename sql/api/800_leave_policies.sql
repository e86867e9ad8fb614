-- Leave policies and the holiday calendar over HTTP: everyone reads them
-- (GET /leave_policies, GET /holidays); hr_admin maintains them (audited).

create view api.leave_policies with (security_invoker = true) as
select
    p.code,
    p.name,
    p.unit,
    p.is_paid,
    p.yearly_entitlement,
    p.accrual,
    p.carry_forward_cap,
    p.carry_forward_expiry_months,
    p.max_consecutive_days,
    p.backdate_days,
    p.allow_negative,
    p.count_non_working_days,
    p.is_active,
    p.updated_at
from app.leave_policies as p;
comment on view api.leave_policies is
'Leave types and their rules: unit, paid, yearly entitlement, accrual, carry-forward cap and expiry, limits, '
'sandwich rule.';
grant select on api.leave_policies to employee, approver, hr_admin;

create view api.holidays with (security_invoker = true) as
select
    h.location,
    h.holiday_date,
    h.name,
    h.updated_at
from app.holidays as h;
comment on view api.holidays is 'The holiday calendar; location * applies to every location.';
grant select on api.holidays to employee, approver, hr_admin;

create or replace function api.upsert_leave_policy(
    code text,
    name text,
    reason text,
    unit text default null,
    is_paid boolean default null,
    yearly_entitlement numeric default null,
    accrual text default null,
    carry_forward_cap numeric default null,
    carry_forward_expiry_months integer default null,
    max_consecutive_days integer default null,
    backdate_days integer default null,
    allow_negative boolean default null,
    count_non_working_days boolean default null,
    is_active boolean default null
) returns jsonb
language sql volatile
as $$
    select app.upsert_leave_policy(
        code, name, reason, unit, is_paid, yearly_entitlement, accrual, carry_forward_cap,
        carry_forward_expiry_months, max_consecutive_days, backdate_days, allow_negative,
        count_non_working_days, is_active
    )
$$;
comment on function api.upsert_leave_policy(
    text, text, text, text, boolean, numeric, text, numeric, integer, integer, integer, boolean, boolean, boolean
) is 'hr_admin: create a leave policy or change the given fields of one (audited LEAVE_POLICY_UPSERT).';
grant execute on function api.upsert_leave_policy(
    text, text, text, text, boolean, numeric, text, numeric, integer, integer, integer, boolean, boolean, boolean
) to hr_admin;

create or replace function api.upsert_holiday(holiday_date date, name text, reason text, location text default '*')
returns jsonb
language sql volatile
as $$
    select app.upsert_holiday(holiday_date, name, location, reason)
$$;
comment on function api.upsert_holiday(date, text, text, text) is
'hr_admin: add or rename a holiday for a location (* = all) (audited HOLIDAY_UPSERT).';
grant execute on function api.upsert_holiday(date, text, text, text) to hr_admin;

create or replace function api.delete_holiday(holiday_date date, reason text, location text default '*')
returns jsonb
language sql volatile
as $$
    select app.delete_holiday(holiday_date, location, reason)
$$;
comment on function api.delete_holiday(date, text, text) is
'hr_admin: remove a holiday (audited HOLIDAY_DELETE); leave already requested keeps its day count.';
grant execute on function api.delete_holiday(date, text, text) to hr_admin;
