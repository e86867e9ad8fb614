-- The transactional outbox: every ledger insert Keka should receive (sync_status
-- PENDING after _100_prepare) puts one message on keka_sync in the inserting
-- transaction. Messages carry ids only: the event's, and its employee's (the
-- ledger's key, docs/scale-out.md). The message is a plain insert into the
-- queue's table, exactly the row pgmq.send_batch would write (visible now,
-- read_ct 0, no headers), without send_batch's dynamic SQL per call.

create or replace function app.tg_attendance_events__enqueue() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into pgmq.q_keka_sync (vt, message)
    select clock_timestamp(), jsonb_build_object('event_id', n.id, 'employee_id', n.employee_id)
    from new_rows as n
    where n.sync_status = 'PENDING'
    order by n.id;
    return null;
end
$$;

create or replace trigger _900_enqueue
after insert on app.attendance_events
referencing new table as new_rows
for each statement execute function app.tg_attendance_events__enqueue();
