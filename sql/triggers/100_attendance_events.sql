-- Triggers on the ledger, in firing order:
--   _010_append_only / _011_no_truncate  only the sync columns may ever change
--   _100_prepare       (row, BEFORE INSERT) server-owned columns, business date;
--                      a live punch: employee lock and chain link, state check
--                      and the one step on its stored day (app.apply_live_punch);
--                      skipped (WHEN) for bulk rows it would not change
--   _020_new_rows      (statement, AFTER INSERT) once per statement: the
--                      employees exist, the period lock, the replay of every
--                      touched employee-day no live step covered, the Keka
--                      outbox of the rows no live step enqueued; returns at
--                      once for a statement of stored live steps
--   _490_chain         (row, BEFORE INSERT) the chain link of any other row,
--                      see 710_ledger_chain.sql
--   _600_sync_errors   (statement, AFTER UPDATE) keep has_sync_errors in step
-- _600_sync_errors is SECURITY DEFINER: the worker updates sync columns
-- without any right to write daily_status itself.

create or replace function app.tg_attendance_events__append_only() returns trigger
language plpgsql volatile
as $$
declare
    v_sync constant text[] := array[
        'sync_status', 'attempt_count', 'last_sync_error', 'last_attempt_at', 'synced_at', 'keka_ref'
    ];
begin
    if tg_op = 'TRUNCATE' or tg_op = 'DELETE' then
        perform app.fail(403, 'LEDGER_APPEND_ONLY', format('%s on %s is not allowed: the ledger is append-only.', tg_op, tg_table_name));
    end if;
    if (to_jsonb(new) - v_sync) is distinct from (to_jsonb(old) - v_sync) then
        -- the one sanctioned repair: app.backfill_business_dates_v1, run by the owner
        if current_setting('hithonix.backfill_business_date', true) = 'on'
            and pg_has_role(current_user, (select c.relowner from pg_class as c where c.oid = tg_relid), 'member')
            and (to_jsonb(new) - v_sync - 'business_date_ist') = (to_jsonb(old) - v_sync - 'business_date_ist')
        then
            return new;
        end if;
        perform app.fail(
            403, 'LEDGER_APPEND_ONLY',
            'Only the sync columns of attendance_events can change; correct an event with a VOID or a new event.'
        );
    end if;
    return new;
end
$$;

-- The note app.note_ledger_rows kept (hithonix.ledger_derive) decided
-- nothing once _020_new_rows decided from the statement's rows: gone.
drop function if exists app.note_ledger_rows(boolean);

-- A live punch (web, slack, kiosk, api, mobile) as one step of the state
-- machine: lock the employee and chain the row in one statement
-- (app.ledger_chain_advance: their ledger chain head, the lock
-- app.lock_employee takes), put its outbox message on the queue (a PENDING
-- row: CLOCK_IN, CLOCK_OUT), read their latest shift edge and their policy
-- (one statement), refuse an instant outside the time window (future beyond
-- the clock skew, or back-dated beyond employee_backdate_minutes: the first
-- refusal, as before; a refusal rolls the chain link and the message back
-- with the row), read the state from the owning shift's stored day, refuse
-- what the state does not allow, and apply the one transition to the stored
-- day. Returns the event with its chain
-- and business date (_490_chain skips a live row: chained here).
-- Imports and admin events skip it: the derivation flags what they get wrong.
drop function if exists app.apply_live_punch(app.attendance_events);
create function app.apply_live_punch(p_event app.attendance_events) returns app.attendance_events
language plpgsql volatile
as $$
declare
    v_policy jsonb;
    v_at constant timestamptz := p_event.occurred_at;
    v_edge record;
    v_own date;
    v_day app.daily_status;
    v_state app.day_status := 'OFF_DUTY';
    v_target app.daily_status;
    v_next app.daily_status;
begin
    p_event := app.ledger_chain_advance(p_event);
    -- the Keka outbox message, the row _020_new_rows writes for any other row
    -- (sql/triggers/150_outbox.sql; it leaves out the live rows, which always
    -- pass here): in this statement, so it goes with the row
    if p_event.sync_status = 'PENDING' then
        insert into pgmq.q_keka_sync (vt, message)
        values (clock_timestamp(), app.keka_sync_message(p_event.id, p_event.employee_id));
    end if;
    -- the employee's latest shift edge owns the punch (their state, even when
    -- v_at is a little earlier than their last punch: two racing requests);
    -- their policy in the same statement (app.merged_policy, inlined; null
    -- without the merged row, then app.policy_of itself, which aggregates)
    select
        edge.event_type,
        edge.occurred_at,
        edge.business_date_ist,
        (select p.policy from app.merged_policy(e.shift_config, true) as p (policy)) as policy
    into v_edge
    from app.employees as e
    left join lateral (
        select ev.event_type, ev.occurred_at, ev.business_date_ist
        from app.attendance_events as ev
        where ev.employee_id = e.id
            and ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')
            and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
        order by ev.occurred_at desc, ev.id desc
        limit 1
    ) as edge on true
    where e.id = p_event.employee_id;
    v_policy := coalesce(v_edge.policy, app.policy_of(p_event.employee_id, true));
    -- the time window is the first refusal (before any state check)
    perform app.require_punch_window(v_at, v_policy);
    if v_edge.event_type = 'CLOCK_IN' and greatest(v_at, v_edge.occurred_at) - v_edge.occurred_at
        < make_interval(hours => (v_policy ->> 'max_shift_hours')::integer) then
        v_own := v_edge.business_date_ist;
        select * into v_day
        from app.daily_status as ds
        where ds.employee_id = p_event.employee_id and ds.business_date_ist = v_own
        for update;
        v_state := coalesce(v_day.current_status, 'OFF_DUTY');
    end if;
    -- a CLOCK_IN changes its own calendar date's row
    if p_event.event_type = 'CLOCK_IN' then
        if v_own = app.ist_date(v_at) then
            v_target := v_day;
        else
            select * into v_target
            from app.daily_status as ds
            where ds.employee_id = p_event.employee_id and ds.business_date_ist = app.ist_date(v_at)
            for update;
        end if;
    else
        v_target := v_day;
    end if;

    if p_event.event_type <> 'CLOCK_IN' and v_state = 'OFF_DUTY' then
        perform app.fail(409, 'NOT_CLOCKED_IN', 'You are not clocked in.');
    end if;
    case p_event.event_type
        when 'CLOCK_IN' then
            if v_state <> 'OFF_DUTY' then
                perform app.fail(409, 'ALREADY_CLOCKED_IN', 'You are already clocked in.');
            end if;
            if (v_policy ->> 'one_clock_in_per_day')::boolean and v_target.first_clock_in is not null then
                perform app.fail(409, 'ALREADY_CLOCKED_IN', 'You already clocked in on this business date.');
            end if;
        when 'CLOCK_OUT' then
            if v_state = 'ON_BREAK' then
                perform app.fail(409, 'ON_BREAK', 'End your break before clocking out.');
            elsif v_state = 'ON_LUNCH' then
                perform app.fail(409, 'ON_LUNCH', 'End your lunch before clocking out.');
            end if;
        when 'BREAK_START' then
            if v_state = 'ON_BREAK' then
                perform app.fail(409, 'BREAK_ALREADY_OPEN', 'A break is already open.');
            elsif v_state = 'ON_LUNCH' then
                perform app.fail(409, 'ON_LUNCH', 'No break during lunch.');
            end if;
        when 'BREAK_END' then
            if v_state <> 'ON_BREAK' then
                perform app.fail(409, 'NO_OPEN_BREAK', 'There is no open break to end.');
            end if;
        when 'LUNCH_START' then
            if v_state = 'ON_BREAK' then
                perform app.fail(409, 'ON_BREAK', 'End your break before lunch.');
            elsif v_state = 'ON_LUNCH' or v_day.lunch_starts > 0 then
                perform app.fail(409, 'LUNCH_ALREADY_TAKEN', 'Lunch was already taken on this business date.');
            end if;
        when 'LUNCH_END' then
            if v_state <> 'ON_LUNCH' then
                perform app.fail(409, 'NO_OPEN_LUNCH', 'There is no open lunch to end.');
            end if;
        else
            null;
    end case;
    if v_day.last_event_at > v_at or v_edge.occurred_at > v_at then
        perform app.fail(422, 'OCCURRED_AT_BEFORE_LAST_EVENT', 'A punch cannot be dated before your last punch.');
    end if;

    p_event.business_date_ist := case when p_event.event_type = 'CLOCK_IN' then app.ist_date(v_at) else v_own end;
    -- the one step; when it cannot tell (the day holds later or anomalous
    -- events), _020_new_rows replays the day after the insert
    v_next := app.step_day(v_target, p_event, v_policy);
    -- approved leave: a stored day already carries its leave_portion (approving
    -- or cancelling leave re-derives the day), a new day asks once
    if v_next.employee_id is not null then
        v_next := case
            when v_target.employee_id is null then app.leave_day(v_next)
            else app.leave_overlay(v_next)
        end;
    end if;
    if v_next.employee_id is not null and v_target.employee_id is not null then
        -- by key, every column the step computes (cheaper than INSERT … ON
        -- CONFLICT, which tries the insert first; a HOT update: no indexed
        -- column changes)
        update app.daily_status as ds set
            current_status = v_next.current_status,
            first_clock_in = v_next.first_clock_in,
            last_clock_out = v_next.last_clock_out,
            last_event_id = v_next.last_event_id,
            last_event_at = v_next.last_event_at,
            worked_minutes = v_next.worked_minutes,
            break_minutes_used = v_next.break_minutes_used,
            lunch_minutes = v_next.lunch_minutes,
            event_count = v_next.event_count,
            anomalies = v_next.anomalies,
            is_locked = v_next.is_locked,
            lock_reason = v_next.lock_reason,
            has_sync_errors = v_next.has_sync_errors,
            updated_at = v_next.updated_at,
            state_since = v_next.state_since,
            worked_seconds = v_next.worked_seconds,
            break_seconds = v_next.break_seconds,
            lunch_seconds = v_next.lunch_seconds,
            lunch_starts = v_next.lunch_starts
        where ds.employee_id = v_next.employee_id and ds.business_date_ist = v_next.business_date_ist;
    elsif v_next.employee_id is not null then
        perform app.insert_day(v_next);
    end if;
    return p_event;
end
$$;

create or replace function app.tg_attendance_events__prepare() returns trigger
language plpgsql volatile
as $$
declare
    v_target app.attendance_events;
begin
    -- server-owned columns: whatever the caller sent is replaced
    new.recorded_at := now();
    new.sync_status := case when new.event_type in ('CLOCK_IN', 'CLOCK_OUT') then 'PENDING' else 'SKIPPED' end;
    new.attempt_count := 0;
    new.last_sync_error := null;
    new.last_attempt_at := null;
    new.synced_at := null;
    new.keka_ref := null;

    if new.event_type = 'VOID' then
        select * into v_target from app.attendance_events as ev where ev.id = new.corrects_event_id;
        if not found then
            perform app.fail(404, 'EVENT_NOT_FOUND', 'The voided event does not exist.');
        end if;
        if v_target.employee_id <> new.employee_id or v_target.event_type = 'VOID' then
            perform app.fail(422, 'INVALID_ARGUMENT', 'A VOID cancels a non-VOID event of the same employee.');
        end if;
        new.business_date_ist := v_target.business_date_ist;
        return new;
    end if;
    if app.is_live_punch_source(new.source) then
        new := app.apply_live_punch(new);
        return new;
    end if;
    -- app.import_events_v1 computed the dates set-based (the same rule); only the
    -- owner can insert into the ledger directly, so only the owner can get here
    if new.source = 'import' and new.business_date_ist is not null
        and current_setting('hithonix.import_business_dates', true) = 'on' then
        return new;
    end if;
    new.business_date_ist := app.business_date_for(new.employee_id, new.event_type, new.occurred_at);
    return new;
end
$$;

-- Everything a statement's new ledger rows need once, in the order the four
-- statement triggers it replaces ran (_020_employee_exists, _050_period_lock,
-- _500_derive, _900_enqueue; migration 0198 drops them):
--   1. every row's employee exists, KEY SHARE-locked (the foreign key
--      attendance_events_employee_id_fkey, sql/triggers/105_ledger_employee_ref.sql);
--   2. no row falls in a closed payroll period (sql/triggers/730_period_lock.sql);
--   3. replay, in one pass under one lock per employee, every touched
--      employee-day that no live step covered (the day's last event is not
--      the row);
--   4. the Keka outbox message of every PENDING row whose live step did not
--      write it (sql/triggers/150_outbox.sql).
-- It returns at once when every new row is a live punch (not a VOID) whose
-- step stored its day (app.apply_live_punch): such a row always passed
-- _100_prepare (its WHEN lets only source 'import' through), whose step
-- advanced the employee's chain head first (the head's own foreign key
-- stands for 1: see 105_ledger_employee_ref.sql), wrote the row's message
-- (4), and wrote the day of the row's own business date by an UPDATE or an
-- INSERT, whose daily_status guards checked the period (2); the day's
-- last_event_id is the row (nothing to replay, 3). The decision rests on the
-- rows the statement wrote and the days their steps wrote, read here after
-- every row (no setting read when the statement's AFTER events are queued,
-- which an expression of a later row in the same INSERT could have changed
-- after an earlier row's BEFORE trigger ran: sql/tests/112_live_step_derive.sql).
-- Owner-only caveat: INSERT … ON CONFLICT DO NOTHING straight into the ledger
-- (no API path does it; only the owner may insert here) runs a live row's
-- BEFORE step (chain head, outbox message, day) and then drops the row, which
-- no AFTER trigger sees: the chain's head then names a missing row
-- (app.verify_ledger_chain reports HEAD_MISMATCH) and a message names no
-- event. Insert live punches without ON CONFLICT (app.record_punch does).
-- The stored day is read by key as a scalar subquery, not a NOT EXISTS: an
-- EXISTS in an OR may run as a hashed subplan, a scan and hash of the whole
-- of daily_status (EXPLAIN of the same shape over a one-row input, with the
-- benchmark's small table), where one keyed read is all a punch needs
-- (track_functions per punch 0.033 -> 0.016 ms).
-- Invoker rights, on purpose (as the period-lock guards): only the owner may
-- INSERT into the ledger (clients write through SECURITY DEFINER functions),
-- and the owner sees every row and writes daily_status; a definer call's
-- search_path swap cost ~6 us per punch (track_functions self time
-- 0.039 -> 0.033 ms).
create or replace function app.tg_attendance_events__new_rows() returns trigger
language plpgsql volatile
as $$
declare
    v_hit date;
    v_all uuid[];
    v_employees uuid[];
    v_dates date[];
begin
    if not exists (
        select 1 from new_rows as n
        where n.event_type = 'VOID'
            or not app.is_live_punch_source(n.source)
            or (
                select ds.last_event_id from app.daily_status as ds
                where ds.employee_id = n.employee_id and ds.business_date_ist = n.business_date_ist
            ) is distinct from n.id
    ) then
        return null;
    end if;
    -- the statement's employee-days, in ONE pass over its rows (the bulk
    -- path's 100,000: a pass each for the employees and for the days cost
    -- ~0.02 s more), each marked when a replay needs it (3): a row no live
    -- step covered (the day's last event is not the row); the test reads the
    -- stored day by key, as the early return does (no hashed scan of
    -- daily_status). From them: every employee (1), and for the replay the
    -- days and their employees (app.lock_employees takes each once)
    with days as materialized (
        select
            n.employee_id,
            n.business_date_ist,
            bool_or(
                not app.is_live_punch_source(n.source)
                or n.event_type = 'VOID'
                or (
                    select ds.last_event_id from app.daily_status as ds
                    where ds.employee_id = n.employee_id and ds.business_date_ist = n.business_date_ist
                ) is distinct from n.id
            ) as replay
        from new_rows as n
        group by n.employee_id, n.business_date_ist
    )
    select
        array_agg(distinct d.employee_id),
        array_agg(d.employee_id) filter (where d.replay),
        array_agg(d.business_date_ist) filter (where d.replay)
    into v_all, v_employees, v_dates
    from days as d;
    -- 1. the employees
    perform app.lock_referenced_employees(v_all, 'attendance_events', 'attendance_events_employee_id_fkey');
    -- 2. the period lock: while no lock is active the rows are not read; else
    -- the first row inside an active lock, in one pass (this path is admin
    -- rows, VOIDs and the bulk path: no min/max pre-check worth its query)
    if exists (select 1 from app.period_locks as pl where pl.reopened_at is null) then
        select min(n.business_date_ist) into v_hit
        from new_rows as n
        inner join app.period_locks as pl on pl.reopened_at is null and pl.period @> n.business_date_ist;
        if v_hit is not null then
            perform app.assert_period_open(v_hit, v_hit);
        end if;
    end if;
    -- 3. the replay of the days no live step stored
    if v_employees is not null then
        perform app.lock_employees(v_employees);
        perform app.refresh_daily_status(v_employees, v_dates);
    end if;
    -- 4. the outbox: one message per PENDING row a live step did not enqueue,
    -- one insert into the queue table for the statement (no per-row send)
    insert into pgmq.q_keka_sync (vt, message)
    select clock_timestamp(), app.keka_sync_message(n.id, n.employee_id)
    from new_rows as n
    where n.sync_status = 'PENDING'
        -- import rows (the bulk path) stop at the first test
        and (n.source = 'import' or n.event_type = 'VOID' or not app.is_live_punch_source(n.source))
    order by n.id;
    return null;
end
$$;

-- Only a change into or out of FAILED/PERMANENT_FAILURE can change a day.
create or replace function app.tg_attendance_events__sync_errors() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employees uuid[];
    v_dates date[];
begin
    select array_agg(d.employee_id), array_agg(d.business_date_ist) into v_employees, v_dates
    from (
        select distinct n.employee_id, n.business_date_ist
        from new_rows as n
        inner join old_rows as o on o.id = n.id
        where (n.sync_status in ('FAILED', 'PERMANENT_FAILURE'))
            is distinct from (o.sync_status in ('FAILED', 'PERMANENT_FAILURE'))
    ) as d;
    if v_employees is not null then
        -- under the employees' locks (a replay of the same day waits, or is
        -- waited for), then has_sync_errors alone, by the derivation's rule
        -- (app.derive_days: any event of the day, voided or not, FAILED or
        -- PERMANENT_FAILURE): no replay, so nothing else of a day in a closed
        -- payroll period can change (the period-lock guard lets an UPDATE of
        -- has_sync_errors alone through, sql/triggers/730_period_lock.sql)
        perform app.lock_employees(v_employees);
        update app.daily_status as ds
        set has_sync_errors = exists (
                select 1 from app.attendance_events as x
                where x.employee_id = ds.employee_id and x.business_date_ist = ds.business_date_ist
                    and x.sync_status in ('FAILED', 'PERMANENT_FAILURE')
            ),
            updated_at = now()
        from unnest(v_employees, v_dates) as k (employee_id, business_date_ist)
        where ds.employee_id = k.employee_id and ds.business_date_ist = k.business_date_ist;
    end if;
    return null;
end
$$;

create or replace trigger _010_append_only
before update or delete on app.attendance_events
for each row execute function app.tg_attendance_events__append_only();

create or replace trigger _011_no_truncate
before truncate on app.attendance_events
for each statement execute function app.tg_attendance_events__append_only();

-- Not called for a row it would leave as it is: the bulk path's rows
-- (app.insert_events_bulk: source import, its business date, while
-- hithonix.import_business_dates is on) that already carry the server-owned
-- values the function would set. The WHEN is plain expression evaluation, no
-- PL/pgSQL call per row; any other row, or any other value, runs the function.
create or replace trigger _100_prepare
before insert on app.attendance_events
for each row
when (not (
    new.source = 'import'
    and new.event_type <> 'VOID'
    and new.business_date_ist is not null
    and new.recorded_at = now()
    and new.sync_status = case
        when new.event_type in ('CLOCK_IN', 'CLOCK_OUT') then 'PENDING'::app.sync_status
        else 'SKIPPED'::app.sync_status
    end
    and new.attempt_count = 0
    and new.last_sync_error is null
    and new.last_attempt_at is null
    and new.synced_at is null
    and new.keka_ref is null
    and current_setting('hithonix.import_business_dates', true) = 'on'
))
execute function app.tg_attendance_events__prepare();

-- No WHEN: the function decides from the statement's rows (see above).
create or replace trigger _020_new_rows
after insert on app.attendance_events
referencing new table as new_rows
for each statement execute function app.tg_attendance_events__new_rows();

create or replace trigger _600_sync_errors
after update on app.attendance_events
referencing old table as old_rows new table as new_rows
for each statement execute function app.tg_attendance_events__sync_errors();
