-- pgTAP helpers for the leave tests (test databases only).

-- A Monday at least a week ahead (IST) with 60 days of the same year after it:
-- next week's, or the second week of next year's (late in the year). Tests date
-- their leave from it, so they never depend on the weekday or cross a leave year.
create or replace function tests.next_monday() returns date
language sql stable
as $$
    select case
        when extract(year from m.d + 60) = extract(year from m.d) then m.d
        else (date_trunc('week', make_date(extract(year from m.d)::integer + 1, 1, 8)) + interval '7 days')::date
    end
    from (select (date_trunc('week', (now() at time zone 'Asia/Kolkata')::date) + interval '7 days')::date as d) as m
$$;

create or replace function tests.today() returns date
language sql stable
as $$
    select (now() at time zone 'Asia/Kolkata')::date
$$;

-- Give an employee days of a policy in the year of p_on (an ADJUSTMENT row, as the owner).
create or replace function tests.grant_leave(
    p_employee_id uuid, p_policy_code text, p_days numeric, p_on date default null
) returns void
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, reason, created_by)
    values (
        p_employee_id, p_policy_code, 'ADJUSTMENT', p_days,
        coalesce(p_on, tests.next_monday()),
        'test grant', 'tests'
    )
$$;

create or replace function tests.leave_request(p_id bigint) returns app.leave_requests
language sql security definer
set search_path = pg_catalog, public, pg_temp
as $$
    select * from app.leave_requests where id = p_id
$$;

-- The HINT (JSON) of the error a statement raises: which field a 422 names.
create or replace function tests.error_hint(p_sql text) returns jsonb
language plpgsql
as $$
declare
    v_hint text;
begin
    execute p_sql;
    return null;
exception when others then
    get stacked diagnostics v_hint = pg_exception_hint;
    return nullif(v_hint, '')::jsonb;
end
$$;

grant execute on all functions in schema tests to public;
