-- Accrual and year end, as idempotent set-based SQL: each function computes the
-- ledger rows that are due and not yet written; with p_apply it writes them
-- (ON CONFLICT on the (employee, policy, entry type, period) key: re-running,
-- or two runners at once, changes nothing). Called by the worker's periodic
-- jobs and by `python -m worker leave-accrual / leave-year-end` (dry run unless --apply).
--
-- Accrual (year of p_as_of, catching up on missed periods):
--   YEARLY  → one ALLOCATION per year on 1 January (joiners: on their joining
--             date, pro-rated by whole months left, rounded to half days);
--   MONTHLY → one ACCRUAL on the first of each month (or the joining date) up to
--             p_as_of, entitlement / 12 rounded to 0.01, December takes the remainder.
-- Year end (once p_as_of is in year Y+1): a positive balance of year Y leaves
-- year Y as CARRY_FORWARD −carry (up to the policy's cap) and EXPIRY −rest on
-- 31 December, and enters year Y+1 as CARRY_FORWARD +carry on 1 January.
-- Carried days not used within carry_forward_expiry_months expire (EXPIRY on the
-- first day after the window). Negative balances are not carried (they stay in Y).
-- Inactive employees accrue nothing.

create or replace function app.leave_accrual_due(p_as_of date)
returns table (
    employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
)
language sql stable
as $$
    with params as (
        select extract(year from p_as_of)::integer as y, make_date(extract(year from p_as_of)::integer, 1, 1) as jan1
    ),
    pairs as (
        select e.id as employee_id, e.date_of_joining, p.code, p.accrual, p.yearly_entitlement
        from app.employees as e
        cross join app.leave_policies as p
        where e.employment_status = 'ACTIVE'
            and p.is_active
            and p.accrual in ('MONTHLY', 'YEARLY')
            and p.yearly_entitlement > 0
            and (e.date_of_joining is null or e.date_of_joining <= p_as_of)
    ),
    candidates as (
        select
            pr.employee_id,
            pr.code as policy_code,
            'ALLOCATION' as entry_type,
            (round(pr.yearly_entitlement * (
                case when pr.date_of_joining >= pa.jan1
                    then 13 - extract(month from pr.date_of_joining)::integer
                    else 12
                end
            ) / 12.0 * 2) / 2)::numeric(6, 2) as days,
            greatest(pa.jan1, pr.date_of_joining) as effective_date,
            pa.y::text as period_key
        from pairs as pr cross join params as pa
        where pr.accrual = 'YEARLY'
        union all
        select
            pr.employee_id,
            pr.code,
            'ACCRUAL',
            case when m.month = 12
                then pr.yearly_entitlement - 11 * round(pr.yearly_entitlement / 12, 2)
                else round(pr.yearly_entitlement / 12, 2)
            end,
            greatest(make_date(pa.y, m.month, 1), pr.date_of_joining),
            to_char(make_date(pa.y, m.month, 1), 'YYYY-MM')
        from pairs as pr
        cross join params as pa
        cross join generate_series(1, extract(month from p_as_of)::integer) as m (month)
        where pr.accrual = 'MONTHLY'
            and (pr.date_of_joining is null
                 or pr.date_of_joining < (make_date(pa.y, m.month, 1) + interval '1 month')::date)
    )
    select c.employee_id, c.policy_code, c.entry_type, c.days, c.effective_date, c.period_key
    from candidates as c
    where c.days > 0
        and not exists (
            select 1 from app.leave_ledger as l
            where l.employee_id = c.employee_id
                and l.policy_code = c.policy_code
                and l.entry_type = c.entry_type
                and l.period_key = c.period_key
        )
$$;

create or replace function app.leave_year_end_due(p_as_of date)
returns table (
    employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
)
language sql stable
as $$
    with params as (
        select
            extract(year from p_as_of)::integer - 1 as closing_year,
            make_date(extract(year from p_as_of)::integer, 1, 1) as jan1
    ),
    closing as (
        select
            l.employee_id, l.policy_code, p.carry_forward_cap, sum(l.days) as balance
        from app.leave_ledger as l
        inner join app.leave_policies as p on p.code = l.policy_code
        cross join params as pa
        where l.effective_date between make_date(pa.closing_year, 1, 1) and make_date(pa.closing_year, 12, 31)
            -- closed once: a late change to a closed year does not close it again
            and not exists (
                select 1 from app.leave_ledger as x
                where x.employee_id = l.employee_id
                    and x.policy_code = l.policy_code
                    and x.entry_type in ('EXPIRY', 'CARRY_FORWARD')
                    and x.period_key in (pa.closing_year::text, pa.closing_year::text || '-OUT')
            )
        group by l.employee_id, l.policy_code, p.carry_forward_cap
        having sum(l.days) > 0
    ),
    year_end as (
        select
            c.employee_id, c.policy_code, 'CARRY_FORWARD' as entry_type, -least(c.balance, c.carry_forward_cap) as days,
            make_date(pa.closing_year, 12, 31) as effective_date, pa.closing_year::text || '-OUT' as period_key
        from closing as c cross join params as pa
        union all
        select
            c.employee_id, c.policy_code, 'CARRY_FORWARD', least(c.balance, c.carry_forward_cap),
            pa.jan1, pa.closing_year::text || '-IN'
        from closing as c cross join params as pa
        union all
        select
            c.employee_id, c.policy_code, 'EXPIRY', -(c.balance - least(c.balance, c.carry_forward_cap)),
            make_date(pa.closing_year, 12, 31), pa.closing_year::text
        from closing as c cross join params as pa
    ),
    -- carried days still unused when the policy's window closes
    carried as (
        select
            l.employee_id,
            l.policy_code,
            (pa.jan1 + make_interval(months => p.carry_forward_expiry_months))::date as expires_on,
            l.days as carried_in
        from app.leave_ledger as l
        inner join app.leave_policies as p on p.code = l.policy_code
        cross join params as pa
        where l.entry_type = 'CARRY_FORWARD'
            and l.days > 0
            and l.period_key = pa.closing_year::text || '-IN'
            and p.carry_forward_expiry_months is not null
            and p_as_of >= (pa.jan1 + make_interval(months => p.carry_forward_expiry_months))::date
    ),
    carry_expiry as (
        select
            ca.employee_id, ca.policy_code, 'EXPIRY' as entry_type,
            -greatest(0, least(
                ca.carried_in + coalesce((
                    select sum(l.days) from app.leave_ledger as l
                    where l.employee_id = ca.employee_id and l.policy_code = ca.policy_code
                        and l.entry_type in ('CONSUMPTION', 'REVERSAL')
                        and l.effective_date >= pa.jan1 and l.effective_date < ca.expires_on
                ), 0),
                app.leave_balance(ca.employee_id, ca.policy_code, extract(year from pa.jan1)::integer)
            )) as days,
            ca.expires_on as effective_date,
            'CF-' || extract(year from pa.jan1)::text as period_key
        from carried as ca cross join params as pa
    )
    select r.employee_id, r.policy_code, r.entry_type, r.days, r.effective_date, r.period_key
    from (select * from year_end union all select * from carry_expiry) as r
    where r.days <> 0
        and not exists (
            select 1 from app.leave_ledger as l
            where l.employee_id = r.employee_id
                and l.policy_code = r.policy_code
                and l.entry_type = r.entry_type
                and l.period_key = r.period_key
        )
$$;

-- Write (p_apply) or only list (dry run) the rows a run is due to write.
create or replace function app.leave_write_due(p_rows jsonb, p_reason text) returns integer
language plpgsql volatile
as $$
declare
    v_count integer;
begin
    insert into app.leave_ledger (
        employee_id, policy_code, entry_type, days, effective_date, period_key, reason, created_by
    )
    select x.employee_id, x.policy_code, x.entry_type, x.days, x.effective_date, x.period_key, p_reason, 'system.leave'
    from jsonb_to_recordset(p_rows) as x (
        employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
    )
    order by x.employee_id, x.policy_code, x.effective_date
    on conflict (employee_id, policy_code, entry_type, period_key) do nothing;
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- One periodic run: the rows due (accrual, or carry-forward and expiry at year
-- end), written when p_apply (a dry run only lists them). Called by the two
-- worker entry points below, which run it with the owner's rights.
create or replace function app.leave_run_due(p_run text, p_as_of date, p_apply boolean)
returns table (
    employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
)
language plpgsql volatile
as $$
declare
    v_rows jsonb;
begin
    perform app.leave_arg(p_as_of between date '2000-01-01' and date '2100-12-31', 'as_of', 'a date is required.');
    if p_run = 'accrual' then
        select coalesce(jsonb_agg(to_jsonb(d)), '[]') into v_rows from app.leave_accrual_due(p_as_of) as d;
    else
        select coalesce(jsonb_agg(to_jsonb(d)), '[]') into v_rows from app.leave_year_end_due(p_as_of) as d;
    end if;
    if p_apply then
        perform app.leave_write_due(v_rows, replace(p_run, '_', ' ') || ' as of ' || p_as_of::text);
    end if;
    return query
    select x.employee_id, x.policy_code, x.entry_type, x.days, x.effective_date, x.period_key
    from jsonb_to_recordset(v_rows) as x (
        employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
    );
end
$$;

create or replace function app.leave_accrue_v1(p_as_of date, p_apply boolean)
returns table (
    employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    select * from app.leave_run_due('accrual', p_as_of, p_apply)
$$;
comment on function app.leave_accrue_v1(date, boolean) is
'Accrual/allocation rows due up to p_as_of; written when p_apply (idempotent per employee, policy, period).';
grant execute on function app.leave_accrue_v1(date, boolean) to hithonix_worker;

create or replace function app.leave_year_end_v1(p_as_of date, p_apply boolean)
returns table (
    employee_id uuid, policy_code text, entry_type text, days numeric, effective_date date, period_key text
)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    select * from app.leave_run_due('year_end', p_as_of, p_apply)
$$;
comment on function app.leave_year_end_v1(date, boolean) is
'Carry-forward and expiry rows due at p_as_of; written when p_apply (idempotent per employee, policy, period).';
grant execute on function app.leave_year_end_v1(date, boolean) to hithonix_worker;
