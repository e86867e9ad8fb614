-- The payroll period lock (issue 14, part 6), enforced by triggers so that no
-- path escapes it, the owner's scripts included: every guard ends in
-- app.assert_period_open (sql/functions/730_period_lock.sql), 409 PERIOD_LOCKED.
--
--   attendance_events  _020_new_rows, step 2 (statement, AFTER INSERT,
--                      sql/triggers/100_attendance_events.sql) every new
--                      row's business date; once per statement, so the bulk
--                      path (app.insert_events_bulk) pays one check, not one
--                      per row; before the replay re-derives anything; not
--                      for a statement of stored live steps (their days' guards)
--                      _060_period_lock     (row, BEFORE UPDATE, only when
--                      business_date_ist changes) the backfill's repair
--   daily_status       _050_period_lock_ins / _del (statement, AFTER), _upd
--                      (row, AFTER: the live step's one-row UPDATE; also the
--                      presence notice of an UPDATE, 900_frontdesk.sql) any
--                      derived day written in a closed period, except a
--                      change of has_sync_errors alone (the worker's outcome)
--   leave_requests     _050_period_lock     (row, BEFORE UPDATE) a status change
--                      into or out of APPROVED covering a closed date
--   leave_ledger       _050_period_lock     (row, BEFORE INSERT) a request's
--                      CONSUMPTION / REVERSAL covering a closed date
--   adjustment_decisions _050_period_lock   (row, BEFORE INSERT) an approval
--                      for a closed business date
--   period_locks       _010_append_only / _011_no_truncate / _100_transition:
--                      rows are never deleted; only reopened_* is set, once
-- While no lock is active (the usual case) each guard asks one cheap question
-- of a tiny table and returns.

-- Does an active lock overlap the span [p_from, p_to] of a statement's dates?
-- (Both null, a statement without rows: the unbounded span; the exact search
-- that follows then finds nothing.)
create or replace function app.period_lock_overlaps(p_from date, p_to date) returns boolean
language plpgsql stable
as $$
begin
    return exists (
        select 1 from app.period_locks as pl
        where pl.reopened_at is null and pl.period && daterange(p_from, p_to, '[]')
    );
end
$$;

-- Invoker rights, on purpose: every write that reaches these tables runs as
-- the owner (clients write through SECURITY DEFINER functions, the worker's
-- sync updates re-derive days in a definer trigger), so the guards read
-- period_locks without the cost of a definer call on every punch; a path that
-- ever wrote as a client role would fail closed (no SELECT on period_locks),
-- never skip the check.
-- Every guard on a statement's rows asks, in order, questions that get
-- dearer: is any lock active (the tiny table alone: while no period is
-- closed, the statement's rows are not read at all); does an active lock
-- overlap the span (min..max) of the statement's business dates (one query,
-- one pass over its rows); only then, which row falls inside a lock (the
-- refusal names its date; a statement whose dates merely straddle a closed
-- period is not refused). Measured per statement (a DO loop of 20,000
-- one-row inserts into a scratch table carrying the guard, against the same
-- loop without it, on 2 busy shared cores): 4-10 us with no lock active,
-- 10-35 us with a lock on another period (README: Adjustments and the
-- payroll period lock).
-- The inserted rows of the ledger and of daily_status (both carry
-- business_date_ist): one function for both tables' AFTER INSERT triggers.
create or replace function app.tg_period_lock__new_rows() returns trigger
language plpgsql volatile
as $$
declare
    v_from date;
    v_to date;
    v_hit date;
begin
    if not exists (select 1 from app.period_locks as pl where pl.reopened_at is null) then
        return null;
    end if;
    select min(n.business_date_ist), max(n.business_date_ist) into v_from, v_to from new_rows as n;
    if app.period_lock_overlaps(v_from, v_to) then
        select min(n.business_date_ist) into v_hit
        from new_rows as n
        inner join app.period_locks as pl on pl.reopened_at is null and pl.period @> n.business_date_ist;
        perform app.assert_period_open(v_hit, v_hit);
    end if;
    return null;
end
$$;

-- The same for the rows a statement deleted (daily_status: a replay removes
-- the days it then inserts again).
create or replace function app.tg_period_lock__old_rows() returns trigger
language plpgsql volatile
as $$
declare
    v_from date;
    v_to date;
    v_hit date;
begin
    if not exists (select 1 from app.period_locks as pl where pl.reopened_at is null) then
        return null;
    end if;
    select min(o.business_date_ist), max(o.business_date_ist) into v_from, v_to from old_rows as o;
    if app.period_lock_overlaps(v_from, v_to) then
        select min(o.business_date_ist) into v_hit
        from old_rows as o
        inner join app.period_locks as pl on pl.reopened_at is null and pl.period @> o.business_date_ist;
        perform app.assert_period_open(v_hit, v_hit);
    end if;
    return null;
end
$$;

-- The one sanctioned UPDATE of a business column (the backfill) moves a row
-- between dates: both must be open.
create or replace function app.tg_attendance_events__period_lock_move() returns trigger
language plpgsql volatile
as $$
begin
    perform app.assert_period_open(old.business_date_ist, old.business_date_ist);
    perform app.assert_period_open(new.business_date_ist, new.business_date_ist);
    return new;
end
$$;

-- An UPDATE of daily_status: only a change beyond has_sync_errors and
-- updated_at counts, of a row whose date (before or after) an active lock
-- covers. Row-level, without transition tables: an UPDATE of daily_status is
-- the live step's single row (app.apply_live_punch) or the worker outcome's
-- has_sync_errors, which then pay one call and one look at the tiny
-- period_locks table, not the capture of both transition tables.
-- Also the presence notice of an UPDATE (sql/triggers/900_frontdesk.sql:
-- NOTIFY presence when the state changes on a day the board shows, today's
-- IST date or yesterday's): one PL/pgSQL call per row update, not two (the
-- live step's UPDATE of its day fired both; ~13 us per punch saved).
create or replace function app.tg_daily_status__period_lock_update() returns trigger
language plpgsql volatile
as $$
begin
    if exists (select 1 from app.period_locks as pl where pl.reopened_at is null) then
        if (to_jsonb(new) - 'has_sync_errors' - 'updated_at') is distinct from (to_jsonb(old) - 'has_sync_errors' - 'updated_at')
            then
            perform app.assert_period_open(old.business_date_ist, old.business_date_ist);
            perform app.assert_period_open(new.business_date_ist, new.business_date_ist);
        end if;
    end if;
    if old.current_status is distinct from new.current_status
        and new.business_date_ist >= (now() at time zone 'Asia/Kolkata')::date - 1 then
        perform pg_catalog.pg_notify('presence', app.presence_payload(new));
    end if;
    return null;
end
$$;

create or replace function app.tg_leave_requests__period_lock() returns trigger
language plpgsql volatile
as $$
begin
    perform app.assert_period_open(new.start_date, new.end_date);
    return new;
end
$$;

create or replace function app.tg_leave_ledger__period_lock() returns trigger
language plpgsql volatile
as $$
declare
    v_request app.leave_requests;
begin
    select * into v_request
    from app.leave_requests as r
    where r.employee_id = new.employee_id and r.id = new.leave_request_id;
    perform app.assert_period_open(v_request.start_date, v_request.end_date);
    return new;
end
$$;

create or replace function app.tg_adjustment_decisions__period_lock() returns trigger
language plpgsql volatile
as $$
declare
    v_date date;
begin
    select r.business_date into v_date
    from app.adjustment_requests as r
    where r.employee_id = new.employee_id and r.id = new.adjustment_request_id;
    perform app.assert_period_open(v_date, v_date);
    return new;
end
$$;

create or replace function app.tg_period_locks__transition() returns trigger
language plpgsql volatile
as $$
begin
    if (new.id, new.date_from, new.date_to, new.reason, new.locked_by, new.locked_at)
        is distinct from (old.id, old.date_from, old.date_to, old.reason, old.locked_by, old.locked_at)
        or old.reopened_at is not null then
        perform app.fail(403, 'PERIOD_LOCK_IMMUTABLE', 'A period lock is only ever reopened, once; lock again instead.');
    end if;
    return new;
end
$$;

create or replace trigger _060_period_lock
before update on app.attendance_events
for each row
when (old.business_date_ist is distinct from new.business_date_ist)
execute function app.tg_attendance_events__period_lock_move();

create or replace trigger _050_period_lock_ins
after insert on app.daily_status
referencing new table as new_rows
for each statement execute function app.tg_period_lock__new_rows();

create or replace trigger _050_period_lock_upd
after update on app.daily_status
for each row execute function app.tg_daily_status__period_lock_update();

create or replace trigger _050_period_lock_del
after delete on app.daily_status
referencing old table as old_rows
for each statement execute function app.tg_period_lock__old_rows();

create or replace trigger _050_period_lock
before update on app.leave_requests
for each row
when (old.status is distinct from new.status and 'APPROVED' in (old.status, new.status))
execute function app.tg_leave_requests__period_lock();

create or replace trigger _050_period_lock
before insert on app.leave_ledger
for each row
when (new.leave_request_id is not null)
execute function app.tg_leave_ledger__period_lock();

create or replace trigger _050_period_lock
before insert on app.adjustment_decisions
for each row
when (new.decision = 'APPROVED')
execute function app.tg_adjustment_decisions__period_lock();

create or replace trigger _010_append_only
before delete on app.period_locks
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.period_locks
for each statement execute function app.tg_append_only();

create or replace trigger _100_transition
before update on app.period_locks
for each row execute function app.tg_period_locks__transition();
