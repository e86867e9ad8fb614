-- Triggers of the import staging tables: the batch a staged row belongs to,
-- checked once per statement (migration 0115 dropped the foreign key, whose
-- RI query ran once per staged row: ~0.5 s of a 100,000-row prepare).
--   import_rows     _100_batch_exists  (statement, AFTER INSERT)  every row's batch
--                                      exists (one anti-join over the statement's rows)
--                   _100_keep_batch    (row, BEFORE UPDATE OF batch_id)  a staged row
--                                      never moves to another batch (fires only for an
--                                      UPDATE that sets batch_id: never the commit's)
--   import_batches  _100_keep_id       (row, BEFORE UPDATE OF id)  a batch's id never changes
--                   _100_keep_rows     (statement, AFTER DELETE)  a batch with staged rows
--                                      is never deleted
--                   _101_no_truncate   (statement, BEFORE TRUNCATE)  nor truncated under them
-- The same guarantees as the foreign key, with its SQLSTATE (23503, a 409
-- through PostgREST) and its name; SECURITY DEFINER like the RI checks, which
-- see every row whatever the caller's row-level security.

-- The foreign key's error: SQLSTATE 23503, its name, what was refused
-- (app.foreign_key_violation, sql/triggers/105_ledger_employee_ref.sql).
create or replace function app.import_batch_violation(p_message text, p_detail text) returns void
language plpgsql volatile
as $$
begin
    perform app.foreign_key_violation('import_rows_batch_id_fkey', p_message, p_detail);
end
$$;

create or replace function app.tg_import_rows__batch_exists() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batches bigint[];
    v_locked integer;
begin
    -- the batches KEY SHARE-locked, as the foreign key's check locked them: a
    -- concurrent DELETE of a batch waits for this transaction (and its own
    -- guard then sees these rows), or this lock finds the batch gone
    v_batches := array(select distinct n.batch_id from new_rows as n);
    perform 1 from app.import_batches as b where b.id = any(v_batches) for key share;
    get diagnostics v_locked = row_count;
    if v_locked < cardinality(v_batches) then
        perform app.import_batch_violation(
            'insert or update on table "import_rows" violates foreign key constraint "import_rows_batch_id_fkey"',
            'A staged row names an import batch that does not exist.'
        );
    end if;
    return null;
end
$$;

-- A key column that never changes (import_rows.batch_id, import_batches.id):
-- the column's name and the refusal's detail are the trigger's arguments.
-- Fires only for an UPDATE whose SET names the column.
create or replace function app.tg_import__keep_key() returns trigger
language plpgsql volatile
as $$
begin
    if to_jsonb(new) -> tg_argv[0] is distinct from to_jsonb(old) -> tg_argv[0] then
        perform app.import_batch_violation(
            format('update on table "%s" violates foreign key constraint "import_rows_batch_id_fkey"', tg_table_name),
            tg_argv[1]
        );
    end if;
    return new;
end
$$;

create or replace function app.tg_import_batches__keep_rows() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (
        select 1 from old_rows as o where exists (select 1 from app.import_rows as r where r.batch_id = o.id)
    ) then
        perform app.import_batch_violation(
            'delete on table "import_batches" violates foreign key constraint "import_rows_batch_id_fkey"',
            'An import batch with staged rows cannot be deleted.'
        );
    end if;
    return null;
end
$$;

create or replace function app.tg_import_batches__no_truncate() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (select 1 from app.import_rows) then
        perform app.import_batch_violation(
            'truncate on table "import_batches" violates foreign key constraint "import_rows_batch_id_fkey"',
            'Import batches with staged rows cannot be truncated.'
        );
    end if;
    return null;
end
$$;

create or replace trigger _100_batch_exists
after insert on app.import_rows
referencing new table as new_rows
for each statement execute function app.tg_import_rows__batch_exists();

create or replace trigger _100_keep_batch
before update of batch_id on app.import_rows
for each row execute function app.tg_import__keep_key('batch_id', 'A staged row never moves to another batch.');

create or replace trigger _100_keep_id
before update of id on app.import_batches
for each row execute function app.tg_import__keep_key('id', 'The id of an import batch never changes.');

create or replace trigger _100_keep_rows
after delete on app.import_batches
referencing old table as old_rows
for each statement execute function app.tg_import_batches__keep_rows();

create or replace trigger _101_no_truncate
before truncate on app.import_batches
for each statement execute function app.tg_import_batches__no_truncate();
