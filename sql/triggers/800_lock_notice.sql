-- The lock notice on app.daily_status (issue 16), after the derivation's own
-- writes: when a day's row turns locked, in the same transaction, its
-- employee and approver get a notice on the notification outbox
-- (app.queue_lock_notices, sql/functions/520_lock_notices.sql).
--   _800_lock_notice_insert  (statement, AFTER INSERT)  a day first stored locked
--                            (a replay deletes and re-inserts its days)
--   _800_lock_notice_update  (row, AFTER UPDATE, WHEN it turns locked) a live
--                            punch's step locked it
-- The insert side is statement-level with a transition table (a replay
-- inserts many days: one join, no per-row call); the update side is the live
-- step's one row, where a WHEN costs nothing when the day does not lock.

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

-- Row-level with a WHEN: the live step updates one row per punch and almost
-- never locks it, so the usual punch makes no call here at all.
create or replace function app.tg_daily_status__lock_notice_update() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.queue_lock_notices(array[new.employee_id], array[new.business_date_ist], array[new.lock_reason]);
    return null;
end
$$;

create or replace trigger _800_lock_notice_insert
after insert on app.daily_status
referencing new table as new_rows
for each statement execute function app.tg_daily_status__lock_notice_insert();

create or replace trigger _800_lock_notice_update
after update on app.daily_status
for each row when (new.is_locked and old.lock_reason is distinct from new.lock_reason)
execute function app.tg_daily_status__lock_notice_update();
