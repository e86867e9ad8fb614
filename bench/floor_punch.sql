-- The floor of issue 11's punch, on today's tables (bench only, never in
-- the product): the prototype the issue measured at 0.30x, "reads the state
-- FOR UPDATE from the day row, inserts the event, updates the day row in one
-- step and inserts the queue row", with none of the product's rules (no
-- employee or policy check, no punch window, no shift plan, no transition
-- check, no idempotency, no locks, no anomalies, no period lock, no notices).
-- p_chain: also link the row into its employee's ledger chain with the
-- product's own app.ledger_chain_advance (the tamper-evident ledger, a later
-- issue's requirement). bench/transactions.py runs it with the ledger's, the
-- day's, the queue's and the chain heads' own triggers disabled, in a
-- database of its own, in PostgREST 12's envelope (bench/pgbench/punch.sql with
-- its two calls replaced, bench.transactions.floor_script).
create or replace function bench.floor_punch(p_type app.event_type, p_chain boolean) returns json
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employee_id constant uuid := app.current_employee_id();
    v_now constant timestamptz := now();
    v_day constant date := (v_now at time zone 'Asia/Kolkata')::date;
    v_event app.attendance_events;
begin
    perform from app.daily_status as d
    where d.employee_id = v_employee_id and d.business_date_ist = v_day
    for update;
    if not found then
        insert into app.daily_status (
            employee_id, business_date_ist, current_status, worked_minutes, break_minutes_used,
            lunch_minutes, event_count, anomalies, is_locked, has_sync_errors
        )
        values (v_employee_id, v_day, 'OFF_DUTY', 0, 0, 0, 0, '{}', false, false);
    end if;
    v_event.id := nextval(pg_get_serial_sequence('app.attendance_events', 'id'));
    v_event.employee_id := v_employee_id;
    v_event.event_type := p_type;
    v_event.occurred_at := v_now;
    v_event.recorded_at := v_now;
    v_event.business_date_ist := v_day;
    v_event.source := 'web';
    v_event.payload := '{}';
    v_event.created_by := 'floor';
    v_event.sync_status := 'PENDING';
    v_event.attempt_count := 0;
    if p_chain then
        v_event := app.ledger_chain_advance(v_event);
    else
        v_event.chain_seq := 1;
        v_event.chain_hash := sha256(''::bytea);
    end if;
    insert into app.attendance_events overriding system value
    select v_event.*;
    update app.daily_status as d
    set
        current_status = case when p_type = 'CLOCK_IN' then 'ON_SHIFT' else 'OFF_DUTY' end::app.day_status,
        state_since = case when p_type = 'CLOCK_IN' then v_now end,
        first_clock_in = coalesce(d.first_clock_in, v_now),
        last_event_id = v_event.id,
        last_event_at = v_now,
        event_count = d.event_count + 1,
        updated_at = v_now
    where d.employee_id = v_employee_id and d.business_date_ist = v_day;
    insert into pgmq.q_keka_sync (vt, message) values (clock_timestamp(), app.keka_sync_message(v_event.id, v_employee_id));
    return json_build_object(
        'event_id', v_event.id, 'event_type', p_type, 'occurred_at', v_now, 'business_date_ist', v_day
    );
end;
$$;
grant execute on function bench.floor_punch(app.event_type, boolean) to employee;

alter table app.attendance_events disable trigger user;
alter table app.daily_status disable trigger user;
alter table app.ledger_chain_heads disable trigger user;
alter table pgmq.q_keka_sync disable trigger user;
