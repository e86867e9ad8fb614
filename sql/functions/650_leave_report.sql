-- Leave reports and proofs: the hr_admin summary (per employee and policy:
-- opening, accrued, taken, adjusted, expired, carried out, pending, closing;
-- unordered: sorting 10,000 employees' rows by name costs as much as the
-- aggregate, so callers order as they need, e.g. PostgREST's ?order=full_name)
-- and app.leave_differences(), which proves the stored leave derivations equal
-- a recomputation (expected: no rows), as daily_status_differences does for days.

create or replace function app.leave_summary(p_from date, p_to date, p_department text default null)
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
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
-- Stream, do not hash: the ledger is read in (employee_id, policy_code) order
-- from its covering index (an index-only scan) into a GroupAggregate, and
-- merge-joined with the pending requests read the same way from theirs. At
-- 10,000 employees x one year (220,000 ledger rows, 30,000 groups) this takes
-- half the CPU of a HashAggregate, which builds a 40 MB table of eight
-- numeric states per group (python -m bench.leave; migration 0110).
-- Serial: combining seven partial numeric sums per group costs more than a worker saves.
set enable_hashagg = off
set enable_sort = off
set max_parallel_workers_per_gather = 0
as $$
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_arg(p_from between date '2000-01-01' and date '2100-12-31', 'from_date', 'a date is required.');
    perform app.leave_arg(p_to between p_from and make_date(extract(year from p_from)::integer, 12, 31), 'to_date',
        'a date from from_date to the end of that leave year.');
    perform app.leave_arg(length(p_department) <= 200 or p_department is null, 'department', 'at most 200 characters.');
    return query
    -- the ledger rows of the leave year up to p_to (before p_from: the opening)
    with ledger as (
        select
            l.employee_id,
            l.policy_code,
            coalesce(sum(l.days) filter (where l.effective_date < p_from), 0) as opening,
            coalesce(sum(l.days) filter (
                where l.effective_date >= p_from
                    and (l.entry_type in ('ALLOCATION', 'ACCRUAL') or (l.entry_type = 'CARRY_FORWARD' and l.days > 0))
            ), 0) as accrued,
            coalesce(-sum(l.days) filter (
                where l.effective_date >= p_from and l.entry_type in ('CONSUMPTION', 'REVERSAL')
            ), 0) as taken,
            coalesce(sum(l.days) filter (where l.effective_date >= p_from and l.entry_type = 'ADJUSTMENT'), 0)
                as adjusted,
            coalesce(-sum(l.days) filter (where l.effective_date >= p_from and l.entry_type = 'EXPIRY'), 0)
                as expired,
            coalesce(-sum(l.days) filter (
                where l.effective_date >= p_from and l.entry_type = 'CARRY_FORWARD' and l.days < 0
            ), 0) as carried_out,
            sum(l.days) as closing
        from app.leave_ledger as l
        where l.effective_date between make_date(extract(year from p_from)::integer, 1, 1) and p_to
            and (p_department is null or l.employee_id in (
                select d.id from app.employees as d where d.department = p_department
            ))
        group by l.employee_id, l.policy_code
    ),
    -- requests still waiting for a decision that start in the period
    pending as (
        select r.employee_id, r.policy_code, sum(r.days) as days
        from app.leave_requests as r
        where r.status = 'PENDING' and r.start_date between p_from and p_to
            and (p_department is null or r.employee_id in (
                select d.id from app.employees as d where d.department = p_department
            ))
        group by r.employee_id, r.policy_code
    )
    select
        e.id, e.employee_number, e.full_name, e.department, coalesce(t.policy_code, p.policy_code),
        coalesce(t.opening, 0), coalesce(t.accrued, 0), coalesce(t.taken, 0), coalesce(t.adjusted, 0),
        coalesce(t.expired, 0), coalesce(t.carried_out, 0), coalesce(p.days, 0), coalesce(t.closing, 0)
    from ledger as t
    full join pending as p on t.employee_id = p.employee_id and t.policy_code = p.policy_code
    inner join app.employees as e on e.id = coalesce(t.employee_id, p.employee_id);
end
$$;
comment on function app.leave_summary(date, date, text) is
'hr_admin: per employee and policy, the leave movements of a period within one leave year.';
grant execute on function app.leave_summary(date, date, text) to hr_admin;

-- Stored vs recomputed for leave (expected: no rows):
--   REQUEST_LEDGER  a request's CONSUMPTION/REVERSAL rows vs its status
--                   (APPROVED: one CONSUMPTION of -days; CANCELLED: nothing, or
--                   -days and +days; PENDING/REJECTED: nothing);
--   LEAVE_DAY       an approved leave day whose stored daily_status row is
--                   missing or disagrees with the derivation.
create or replace function app.leave_differences(p_from date, p_to date)
returns table (kind text, employee_id uuid, ref text, stored jsonb, recomputed jsonb)
language sql volatile
as $$
    with per_request as (
        select
            r.employee_id,
            r.id,
            r.status,
            r.days,
            coalesce(sum(l.days) filter (where l.entry_type = 'CONSUMPTION'), 0) as consumed,
            coalesce(sum(l.days) filter (where l.entry_type = 'REVERSAL'), 0) as reversed
        from app.leave_requests as r
        left join app.leave_ledger as l on l.employee_id = r.employee_id and l.leave_request_id = r.id
        where r.start_date <= p_to and r.end_date >= p_from
        group by r.employee_id, r.id, r.status, r.days
    ),
    leave_days as (
        select r.employee_id, d.day::date as day
        from app.leave_requests as r
        cross join generate_series(greatest(r.start_date, p_from), least(r.end_date, p_to), interval '1 day') as d (day)
        where r.status = 'APPROVED' and r.start_date <= p_to and r.end_date >= p_from
    )
    select
        'REQUEST_LEDGER',
        pr.employee_id,
        pr.id::text,
        jsonb_build_object('consumed', pr.consumed, 'reversed', pr.reversed),
        jsonb_build_object(
            'consumed', case when pr.status = 'APPROVED' or (pr.status = 'CANCELLED' and pr.consumed <> 0)
                then -pr.days else 0 end,
            'reversed', case when pr.status = 'CANCELLED' and pr.consumed <> 0 then pr.days else 0 end
        )
    from per_request as pr
    where jsonb_build_object('consumed', pr.consumed, 'reversed', pr.reversed) is distinct from jsonb_build_object(
        'consumed', case when pr.status = 'APPROVED' or (pr.status = 'CANCELLED' and pr.consumed <> 0)
            then -pr.days else 0 end,
        'reversed', case when pr.status = 'CANCELLED' and pr.consumed <> 0 then pr.days else 0 end
    )
    union all
    select 'LEAVE_DAY', ld.employee_id, ld.day::text, to_jsonb(ds) - 'updated_at', to_jsonb(d) - 'updated_at'
    from leave_days as ld
    left join app.daily_status as ds on ds.employee_id = ld.employee_id and ds.business_date_ist = ld.day
    cross join lateral app.derive_day(ld.employee_id, ld.day) as d
    where ds.employee_id is null or (to_jsonb(ds) - 'updated_at') is distinct from (to_jsonb(d) - 'updated_at')
$$;
comment on function app.leave_differences(date, date) is
'Leave derivations (request ledger rows, leave days in daily_status) that differ from a recomputation '
'(expected: none).';
