-- The ledger's hash chain (sql/functions/700_ledger_chain.sql): trigger
-- _490_chain, the last BEFORE INSERT row trigger on app.attendance_events
-- (after _100_prepare has set every server-owned column), so it hashes the
-- row exactly as it is stored. See sql/triggers/100_attendance_events.sql for
-- the whole write path.

-- One row: advance the employee's head (its row lock serialises writers of
-- one employee until commit; an UPDATE that waited re-reads the latest head;
-- a missing head is inserted, ON CONFLICT for a racing first row) and take
-- the next link from it; whatever chain the caller sent is replaced. Rows
-- that the bulk path chained set-based (app.insert_events_bulk, with
-- hithonix.ledger_chain_given on, as the owner) skip the call by the WHEN.
-- The head is the first lock of every writer of the employee (app.lock_employee
-- starts with it; an owner's direct insert takes it here, before _500_derive
-- locks the employee's days), so this upsert never waits behind a day row.
create or replace function app.tg_attendance_events__chain() returns trigger
language plpgsql volatile
as $$
declare
    v_canonical bytea;
begin
    v_canonical := app.ledger_canonical(new);
    -- the head exists and is ours already when the writer locked the employee
    update app.ledger_chain_heads as h
    set chain_seq = h.chain_seq + 1, chain_hash = app.ledger_link(h.chain_hash, v_canonical), event_id = new.id
    where h.employee_id = new.employee_id
    returning h.chain_seq, h.chain_hash into new.chain_seq, new.chain_hash;
    if not found then
        insert into app.ledger_chain_heads as h (employee_id, chain_seq, chain_hash, event_id)
        values (new.employee_id, 1, app.ledger_link(null, v_canonical), new.id)
        on conflict (employee_id) do update
            set chain_seq = h.chain_seq + 1,
                chain_hash = app.ledger_link(h.chain_hash, v_canonical),
                event_id = excluded.event_id
        returning h.chain_seq, h.chain_hash into new.chain_seq, new.chain_hash;
    end if;
    return new;
end
$$;

create or replace trigger _490_chain
before insert on app.attendance_events
for each row
when (not (
    new.chain_seq is not null and new.chain_hash is not null
    and coalesce(current_setting('hithonix.ledger_chain_given', true), '') = 'on'
    and pg_has_role(current_user, 'hithonix_owner', 'member')
))
execute function app.tg_attendance_events__chain();
