-- The business-date backfill: the one sanctioned exception to the append-only
-- ledger. It finds rows whose stored business_date_ist differs from what the
-- current rule (app.business_date_for) computes and, only when asked to, fixes
-- them as the owner, re-derives the days involved and writes one audit row per
-- change (actor system.backfill). Nothing is granted to any client role.

-- period_lock_id (issue 14): the active payroll lock covering the stored or the
-- computed date, so a dry run shows the rows --apply would stop at (the
-- ledger's trigger refuses moving them, into or out of a closed period).
drop function if exists app.business_date_mismatches(integer);
create function app.business_date_mismatches(p_limit integer default null)
returns table (
    id bigint, employee_id uuid, event_type app.event_type, occurred_at timestamptz,
    stored date, computed date, period_lock_id bigint
)
language sql volatile
as $$
    with computed as (
        select
            ev.id, ev.employee_id, ev.event_type, ev.occurred_at, ev.business_date_ist as stored,
            case
                when ev.event_type = 'VOID' then (
                    select app.business_date_for(t.employee_id, t.event_type, t.occurred_at, t.id)
                    from app.attendance_events as t where t.id = ev.corrects_event_id
                )
                else app.business_date_for(ev.employee_id, ev.event_type, ev.occurred_at, ev.id)
            end as computed
        from app.attendance_events as ev
    )
    select
        c.id, c.employee_id, c.event_type, c.occurred_at, c.stored, c.computed,
        (
            select pl.id from app.period_locks as pl
            where pl.reopened_at is null and (pl.period @> c.stored or pl.period @> c.computed)
            order by pl.date_from
            limit 1
        ) as period_lock_id
    from computed as c
    where c.stored is distinct from c.computed
    order by c.event_type = 'VOID', c.event_type <> 'CLOCK_IN', c.id
    limit p_limit
$$;
comment on function app.business_date_mismatches(integer) is
'Ledger rows whose stored business_date_ist differs from the current rule (CLOCK_INs first, VOIDs last), '
'with the active payroll lock (period_lock_id) that refuses moving the row, if any.';

create or replace function app.backfill_business_dates_v1(p_limit integer)
returns table (id bigint, employee_id uuid, before date, after date)
language plpgsql volatile
as $$
declare
    r record;
    v_employees uuid[] := '{}';
    v_dates date[] := '{}';
begin
    perform set_config('hithonix.backfill_business_date', 'on', true);
    perform set_config('request.jwt.claims', '{"role": "system", "sub": "system.backfill"}', true);
    for r in select * from app.business_date_mismatches(p_limit) loop
        update app.attendance_events as ev set business_date_ist = r.computed where ev.id = r.id;
        perform app.audit(
            'BACKFILL_BUSINESS_DATE', 'attendance_events', r.id::text, r.employee_id,
            'business_date_ist recomputed by the current rule',
            jsonb_build_object('business_date_ist', r.stored), jsonb_build_object('business_date_ist', r.computed)
        );
        v_employees := v_employees || array[r.employee_id, r.employee_id];
        v_dates := v_dates || array[r.stored, r.computed];
        id := r.id;
        employee_id := r.employee_id;
        before := r.stored;
        after := r.computed;
        return next;
    end loop;
    perform set_config('hithonix.backfill_business_date', 'off', true);
    -- the days each moved row left and joined, derived once for the whole batch
    perform app.lock_employees(v_employees);
    perform app.refresh_daily_status(v_employees, v_dates);
end
$$;
comment on function app.backfill_business_dates_v1(integer) is
'Owner only: fix up to p_limit mismatched business dates, audited, days re-derived.';
