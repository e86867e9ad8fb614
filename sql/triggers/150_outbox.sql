-- The transactional outbox: every ledger insert Keka should receive (sync_status
-- PENDING after _100_prepare) puts one message on keka_sync in the inserting
-- transaction, with one send_batch per statement. Messages carry ids only: the
-- event's, and its employee's (the ledger's key, docs/scale-out.md).

create or replace function app.tg_attendance_events__enqueue() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_messages jsonb[];
begin
    select array_agg(jsonb_build_object('event_id', n.id, 'employee_id', n.employee_id) order by n.id)
    into v_messages
    from new_rows as n
    where n.sync_status = 'PENDING';
    if v_messages is not null then
        perform pgmq.send_batch('keka_sync', v_messages);
    end if;
    return null;
end
$$;

create or replace trigger _900_enqueue
after insert on app.attendance_events
referencing new table as new_rows
for each statement execute function app.tg_attendance_events__enqueue();
