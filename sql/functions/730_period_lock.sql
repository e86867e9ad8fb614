-- Payroll period locks (issue 14, part 6): hr_admin closes a date range and
-- reopens it with a reason, both audited. app.assert_period_open is the one
-- check every guard calls (the triggers in sql/triggers/730_period_lock.sql:
-- the ledger, daily_status, leave decisions and leave ledger rows, adjustment
-- approvals); it raises 409 PERIOD_LOCKED naming the lock.

-- SECURITY DEFINER: the guards run inside the triggers of whoever writes
-- (an employee's punch, a kiosk, the worker), and those roles cannot read
-- period_locks. The table is tiny and the active locks sit in the exclusion
-- constraint's partial GiST index.
create or replace function app.assert_period_open(p_date_from date, p_date_to date) returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_lock app.period_locks;
begin
    if p_date_from is null then
        return;
    end if;
    select * into v_lock
    from app.period_locks as pl
    where pl.reopened_at is null and pl.period && daterange(p_date_from, coalesce(p_date_to, p_date_from), '[]')
    order by pl.date_from
    limit 1;
    if found then
        perform app.fail(
            409, 'PERIOD_LOCKED',
            format('Attendance from %s to %s is closed for payroll; hr_admin can reopen it.', v_lock.date_from, v_lock.date_to),
            jsonb_build_object('period_lock_id', v_lock.id, 'date_from', v_lock.date_from, 'date_to', v_lock.date_to)
        );
    end if;
end
$$;
comment on function app.assert_period_open(date, date) is
'Refuse (409 PERIOD_LOCKED) when an active payroll lock covers any date in [p_date_from, p_date_to].';
grant execute on function app.assert_period_open(date, date)
to employee, approver, hr_admin, kiosk, hithonix_worker;

create or replace function app.period_lock_json(p_lock app.period_locks) returns jsonb
language sql stable
as $$
    select to_jsonb(p_lock) - 'period'
$$;

create or replace function app.lock_period(p_date_from date, p_date_to date, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_lock app.period_locks;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    if p_date_from is null or p_date_to is null or p_date_to < p_date_from then
        perform app.fail(422, 'INVALID_ARGUMENT', 'date_from and date_to are required, date_from <= date_to.', '{"field": "date_to"}');
    end if;
    if p_date_from < date '2000-01-01' or p_date_to > date '2100-12-31' or p_date_to - p_date_from >= 366 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'A lock covers at most 366 days between 2000-01-01 and 2100-12-31.',
            '{"field": "date_to"}'
        );
    end if;
    -- an overlapping active lock: the exclusion constraint decides, also between
    -- concurrent sessions
    begin
        insert into app.period_locks (date_from, date_to, reason, locked_by)
        values (p_date_from, p_date_to, p_reason, app.current_actor())
        returning * into v_lock;
    exception when exclusion_violation then
        perform app.fail(
            409, 'PERIOD_LOCK_OVERLAP', 'An active lock already covers part of this range.',
            (
                select jsonb_build_object('period_lock_id', pl.id, 'date_from', pl.date_from, 'date_to', pl.date_to)
                from app.period_locks as pl
                where pl.reopened_at is null and pl.period && daterange(p_date_from, p_date_to, '[]')
                order by pl.date_from limit 1
            )
        );
    end;
    perform app.audit(
        'PERIOD_LOCK', 'period_locks', v_lock.id::text, null, p_reason, null, app.period_lock_json(v_lock)
    );
    return app.period_lock_json(v_lock);
end
$$;
grant execute on function app.lock_period(date, date, text) to hr_admin;

create or replace function app.unlock_period(p_period_lock_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.period_locks;
    v_after app.period_locks;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    select * into v_before from app.period_locks as pl where pl.id = p_period_lock_id for update;
    if not found then
        perform app.fail(404, 'PERIOD_LOCK_NOT_FOUND', 'No period lock has this id.');
    end if;
    if v_before.reopened_at is not null then
        perform app.fail(409, 'PERIOD_LOCK_REOPENED', 'This period lock was already reopened.');
    end if;
    update app.period_locks as pl
    set reopened_at = now(), reopened_by = app.current_actor(), reopen_reason = p_reason
    where pl.id = p_period_lock_id
    returning * into v_after;
    perform app.audit(
        'PERIOD_UNLOCK', 'period_locks', v_after.id::text, null, p_reason,
        app.period_lock_json(v_before), app.period_lock_json(v_after)
    );
    return app.period_lock_json(v_after);
end
$$;
grant execute on function app.unlock_period(bigint, text) to hr_admin;
