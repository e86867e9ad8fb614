-- The transactional outbox: every ledger insert Keka should receive (sync_status
-- PENDING after _100_prepare) puts one message on keka_sync in the inserting
-- transaction. Messages carry ids only: the event's, and its employee's (the
-- ledger's key, docs/scale-out.md). The message is a plain insert into the
-- queue's table, exactly the row pgmq.send_batch would write (visible now,
-- read_ct 0, no headers), without send_batch's dynamic SQL per call.
-- A live punch that is not a VOID always passes its live step
-- (app.apply_live_punch: _100_prepare runs for every non-import row), which
-- writes that same message in the row's BEFORE INSERT step; this trigger
-- writes the others', and is not called for a statement of stored live
-- steps only (app.note_ledger_rows, the note _500_derive's WHEN reads; a
-- forged note cannot skip a message: any other row notes 'replay', and rows
-- that bypass _100_prepare run it while hithonix.import_business_dates is on).

create or replace function app.tg_attendance_events__enqueue() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into pgmq.q_keka_sync (vt, message)
    select clock_timestamp(), jsonb_build_object('event_id', n.id, 'employee_id', n.employee_id)
    from new_rows as n
    where n.sync_status = 'PENDING'
        -- import rows (the bulk path) stop at the first test
        and (n.source = 'import' or n.event_type = 'VOID' or not app.is_live_punch_source(n.source))
    order by n.id;
    return null;
end
$$;

create or replace trigger _900_enqueue
after insert on app.attendance_events
referencing new table as new_rows
for each statement
when (
    current_setting('hithonix.ledger_derive', true) is distinct from 'stepped'
    or current_setting('hithonix.import_business_dates', true) = 'on'
)
execute function app.tg_attendance_events__enqueue();
