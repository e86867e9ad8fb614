-- The ledger's hash chain (sql/functions/700_ledger_chain.sql): trigger
-- _490_chain, the last BEFORE INSERT row trigger on app.attendance_events
-- (after _100_prepare has set every server-owned column), so it hashes the
-- row exactly as it is stored. See sql/triggers/100_attendance_events.sql for
-- the whole write path.

-- One row: advance the employee's head and take the next link from it
-- (app.ledger_chain_advance: the head's row lock serialises writers of one
-- employee until commit); whatever chain the caller sent is replaced. Not
-- called (WHEN) for the rows whose chain is already taken:
--   - a live punch that is not a VOID (app.is_live_punch_source's list,
--     written out: a function in a WHEN is inlined, its body parsed and
--     planned, on every execution of the statement; 112_live_step_derive
--     checks the two lists agree): _100_prepare always runs for it (its
--     WHEN lets only source 'import' through) and its live step
--     (app.apply_live_punch) advanced the head as its first lock, over the
--     row's final canonical bytes (no BEFORE INSERT trigger sorts between
--     _100_prepare and this one: sql/tests/112_live_step_derive.sql checks);
--   - rows that the bulk path chained set-based (app.insert_events_bulk, with
--     hithonix.ledger_chain_given on, as the owner).
-- The head is the first lock of every writer of the employee (app.lock_employee
-- starts with it; an owner's direct insert takes it here, before _020_new_rows
-- locks the employee's days), so this upsert never waits behind a day row.
create or replace function app.tg_attendance_events__chain() returns trigger
language plpgsql volatile
as $$
begin
    new := app.ledger_chain_advance(new);
    return new;
end
$$;

create or replace trigger _490_chain
before insert on app.attendance_events
for each row
when (not (
    -- the bulk path's rows first: they stop here, as before the live clause
    (
        new.chain_seq is not null and new.chain_hash is not null
        and coalesce(current_setting('hithonix.ledger_chain_given', true), '') = 'on'
        and pg_has_role(current_user, 'hithonix_owner', 'member')
    )
    or (new.source in ('web', 'slack', 'kiosk', 'api', 'mobile') and new.event_type <> 'VOID')
))
execute function app.tg_attendance_events__chain();
