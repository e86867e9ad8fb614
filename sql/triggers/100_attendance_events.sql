-- Triggers on the ledger, in firing order:
--   _010_append_only / _011_no_truncate  only the sync columns may ever change
--   _100_prepare       (row, BEFORE INSERT) server-owned columns, business date,
--                      per-employee lock, the live state machine
--   _500_derive        (statement, AFTER INSERT) re-derive each touched
--                      employee-day once, whatever the number of rows
--   _600_sync_errors   (statement, AFTER UPDATE) keep has_sync_errors in step
--   _900_enqueue       (statement, AFTER INSERT) the Keka outbox, see 150_outbox.sql
-- The statement-level ones are SECURITY DEFINER: the worker updates sync
-- columns without any right to write daily_status itself.

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

-- Checks a live punch (web, slack, kiosk, api, mobile) against the employee's
-- state at that instant. Imports and admin events skip it: the derivation
-- flags what they get wrong instead.
create or replace function app.check_live_transition(
    p_employee_id uuid, p_event_type app.event_type, p_at timestamptz
) returns void
language plpgsql volatile
as $$
declare
    v_last_edge timestamptz;
    v_own date;
    v_day app.daily_status;
    v_state app.day_status := 'OFF_DUTY';
begin
    -- the state is the employee's latest, even when p_at is a little earlier
    -- than their last punch (two racing requests): it decides the error code
    select ev.occurred_at into v_last_edge
    from app.attendance_events as ev
    where ev.employee_id = p_employee_id
        and ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')
        and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
    order by ev.occurred_at desc
    limit 1;
    v_own := app.owning_shift_date(p_employee_id, greatest(p_at, coalesce(v_last_edge, p_at)));
    if v_own is not null then
        -- replayed, not read from daily_status: the stored row is refreshed at the end of
        -- the statement, so it would miss rows an earlier part of the same INSERT added
        v_day := app.derive_day(p_employee_id, v_own);
        v_state := v_day.current_status;
    end if;

    if p_event_type <> 'CLOCK_IN' and v_state = 'OFF_DUTY' then
        perform app.fail(409, 'NOT_CLOCKED_IN', 'You are not clocked in.');
    end if;
    case p_event_type
        when 'CLOCK_IN' then
            if v_state <> 'OFF_DUTY' then
                perform app.fail(409, 'ALREADY_CLOCKED_IN', 'You are already clocked in.');
            end if;
            if (app.policy(p_employee_id) ->> 'one_clock_in_per_day')::boolean and exists (
                select 1 from app.attendance_events as ev
                where ev.employee_id = p_employee_id
                    and ev.business_date_ist = app.ist_date(p_at)
                    and ev.event_type = 'CLOCK_IN'
                    and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
            ) then
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
            elsif v_state = 'ON_LUNCH' or exists (
                select 1 from app.attendance_events as ev
                where ev.employee_id = p_employee_id
                    and ev.business_date_ist = v_own
                    and ev.event_type = 'LUNCH_START'
                    and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
            ) then
                perform app.fail(409, 'LUNCH_ALREADY_TAKEN', 'Lunch was already taken on this business date.');
            end if;
        when 'LUNCH_END' then
            if v_state <> 'ON_LUNCH' then
                perform app.fail(409, 'NO_OPEN_LUNCH', 'There is no open lunch to end.');
            end if;
        else
            null;
    end case;

    if v_day.last_event_at > p_at or v_last_edge > p_at then
        perform app.fail(422, 'OCCURRED_AT_BEFORE_LAST_EVENT', 'A punch cannot be dated before your last punch.');
    end if;
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

    -- one writer per employee at a time: no race between check and insert
    perform pg_advisory_xact_lock(app.employee_lock_key(new.employee_id));

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

    new.business_date_ist := app.business_date_for(new.employee_id, new.event_type, new.occurred_at);
    if app.is_live_punch_source(new.source) then
        perform app.check_live_transition(new.employee_id, new.event_type, new.occurred_at);
    end if;
    return new;
end
$$;

create or replace function app.tg_attendance_events__derive() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.refresh_daily_status(array_agg(d.employee_id), array_agg(d.business_date_ist))
    from (select distinct n.employee_id, n.business_date_ist from new_rows as n) as d;
    return null;
end
$$;

-- Only a change into or out of FAILED/PERMANENT_FAILURE can change a day.
create or replace function app.tg_attendance_events__sync_errors() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.refresh_daily_status(array_agg(d.employee_id), array_agg(d.business_date_ist))
    from (
        select distinct n.employee_id, n.business_date_ist
        from new_rows as n
        inner join old_rows as o on o.id = n.id
        where (n.sync_status in ('FAILED', 'PERMANENT_FAILURE'))
            is distinct from (o.sync_status in ('FAILED', 'PERMANENT_FAILURE'))
    ) as d;
    return null;
end
$$;

create or replace trigger _010_append_only
before update or delete on app.attendance_events
for each row execute function app.tg_attendance_events__append_only();

create or replace trigger _011_no_truncate
before truncate on app.attendance_events
for each statement execute function app.tg_attendance_events__append_only();

create or replace trigger _100_prepare
before insert on app.attendance_events
for each row execute function app.tg_attendance_events__prepare();

create or replace trigger _500_derive
after insert on app.attendance_events
referencing new table as new_rows
for each statement execute function app.tg_attendance_events__derive();

create or replace trigger _600_sync_errors
after update on app.attendance_events
referencing old table as old_rows new table as new_rows
for each statement execute function app.tg_attendance_events__sync_errors();
