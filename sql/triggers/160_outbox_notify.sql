-- Event-driven delivery: one NOTIFY keka_sync per statement that puts
-- messages on the keka_sync queue (the ledger's outbox insert, a reconcile
-- re-enqueue, api.retry_sync). PostgreSQL delivers it at commit, and only if
-- the transaction commits; the worker's push lane LISTENs and drains at once.
-- The worker's periodic drain stays as the safety net for a missed notice.
-- A statement that inserted no row (a plain INSERT … SELECT of nothing) sends none.

create or replace function app.tg_keka_sync__notify() returns trigger
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (select from new_rows) then
        perform pg_notify('keka_sync', '');
    end if;
    return null;
end
$$;

create or replace trigger _900_notify
after insert on pgmq.q_keka_sync
referencing new table as new_rows
for each statement execute function app.tg_keka_sync__notify();
