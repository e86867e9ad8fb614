-- The lock notice on app.daily_status (issue 16), after the derivation's own
-- writes: when a day's row turns locked, in the same transaction, its
-- employee and approver get a notice on the notification outbox
-- (app.queue_lock_notices, sql/functions/520_lock_notices.sql).
--   _800_lock_notice_insert  (statement, AFTER INSERT)  a day first stored locked
--                            (a replay deletes and re-inserts its days)
--   _800_lock_notice_update  (statement, AFTER UPDATE)  a live punch's step locked it
-- Statement-level with transition tables: a punch updates one row, and the
-- check is one join over the statement's rows, without a per-row call.
-- PostgreSQL allows one event per trigger with transition tables, hence two.

create or replace function app.tg_daily_status__lock_notice_insert() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employee_ids uuid[];
    v_dates date[];
    v_reasons text[];
begin
    select array_agg(n.employee_id), array_agg(n.business_date_ist), array_agg(n.lock_reason)
    into v_employee_ids, v_dates, v_reasons
    from new_rows as n
    where n.is_locked;
    if v_employee_ids is not null then
        perform app.queue_lock_notices(v_employee_ids, v_dates, v_reasons);
    end if;
    return null;
end
$$;

create or replace function app.tg_daily_status__lock_notice_update() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employee_ids uuid[];
    v_dates date[];
    v_reasons text[];
begin
    select array_agg(n.employee_id), array_agg(n.business_date_ist), array_agg(n.lock_reason)
    into v_employee_ids, v_dates, v_reasons
    from new_rows as n
    inner join old_rows as o on o.employee_id = n.employee_id and o.business_date_ist = n.business_date_ist
    where n.is_locked and o.lock_reason is distinct from n.lock_reason;
    if v_employee_ids is not null then
        perform app.queue_lock_notices(v_employee_ids, v_dates, v_reasons);
    end if;
    return null;
end
$$;

create or replace trigger _800_lock_notice_insert
after insert on app.daily_status
referencing new table as new_rows
for each statement execute function app.tg_daily_status__lock_notice_insert();

create or replace trigger _800_lock_notice_update
after update on app.daily_status
referencing old table as old_rows new table as new_rows
for each statement execute function app.tg_daily_status__lock_notice_update();
