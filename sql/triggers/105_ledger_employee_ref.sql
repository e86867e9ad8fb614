-- The employee a ledger row or a stored day belongs to, checked once per
-- statement: migrations 0165 and 0166 dropped the foreign keys
-- attendance_events.employee_id and daily_status.employee_id -> employees.id,
-- whose RI query ran once per row (~0.7 s and ~0.1 s of CPU of a
-- 100,000-event bulk insert and the ~17,000 days it derives).
--   attendance_events  _020_new_rows (step 1) (statement, AFTER INSERT)  every new
--   daily_status       _020_employee_exists  row's employee exists, KEY SHARE-locked
--                                            as the RI check locked it (the ledger's:
--                                            not for a statement of live steps only,
--                                            whose chain head lock stands for it)
--   daily_status       _020_employee_moved   (row, BEFORE UPDATE OF employee_id)  the
--                                            same for a row moved to another employee
--                                            (fires only for an UPDATE that sets it:
--                                            never the derivation's)
--   employees          _020_keep_ledger_id   (row, BEFORE UPDATE OF id)  the id of an
--                                            employee with rows never changes
--                      _020_keep_ledger      (statement, AFTER DELETE)  an employee with
--                                            rows is never deleted
--                      _021_no_truncate      (statement, BEFORE TRUNCATE)  nor
--                                            truncated under them
-- The ledger never loses a row nor changes employee_id (append-only,
-- sql/triggers/100_attendance_events.sql). The same guarantees as the foreign
-- keys, with their SQLSTATE (23503, a 409 through PostgREST) and their names;
-- SECURITY DEFINER like the RI checks, which see every row whatever the
-- caller's row-level security.
-- Races: a write KEY SHARE-locks its employees after writing its rows, so a
-- concurrent DELETE of one waits for it and then (its guard's new snapshot)
-- sees the rows; a DELETE that came first makes the write's lock find the
-- employee gone. The guard reads with a new snapshot only under READ
-- COMMITTED (the RI checks use a second snapshot under REPEATABLE READ, which
-- PL/pgSQL cannot take), so it refuses to delete, re-key or truncate
-- employees at a stricter isolation level rather than miss rows committed
-- after the transaction's snapshot. Nothing in the product deletes employees
-- (offboarding deactivates); the owner may, under READ COMMITTED.

-- A foreign key's error: SQLSTATE 23503, the constraint's name, what was refused.
create or replace function app.foreign_key_violation(p_constraint text, p_message text, p_detail text) returns void
language plpgsql volatile
as $$
begin
    raise exception using
        errcode = 'foreign_key_violation',
        message = p_message,
        detail = p_detail,
        constraint = p_constraint;
end
$$;

-- The employees that rows of p_table name (p_ids, distinct), KEY SHARE-locked
-- as an RI check locks them; refused as p_constraint when one does not exist.
create or replace function app.lock_referenced_employees(p_ids uuid[], p_table text, p_constraint text) returns void
language plpgsql volatile
as $$
declare
    v_locked integer;
begin
    perform 1 from app.employees as e where e.id = any(p_ids) for key share;
    get diagnostics v_locked = row_count;
    if v_locked < cardinality(p_ids) then
        perform app.foreign_key_violation(
            p_constraint,
            format('insert or update on table "%s" violates foreign key constraint "%s"', p_table, p_constraint),
            format('A row of %s names an employee who does not exist.', p_table)
        );
    end if;
end
$$;

-- tg_argv[0]: the name of the foreign key the trigger stands for.
create or replace function app.tg_employee_ref__exists() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.lock_referenced_employees(
        array(select distinct n.employee_id from new_rows as n), tg_table_name, tg_argv[0]
    );
    return null;
end
$$;

create or replace function app.tg_employee_ref__moved() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.employee_id is distinct from old.employee_id then
        perform app.lock_referenced_employees(array[new.employee_id], tg_table_name, tg_argv[0]);
    end if;
    return new;
end
$$;

-- Employees p_ids must not go (p_action: 'update', 'delete', 'truncate')
-- while a ledger row or a stored day refers to one of them: refused as the
-- foreign key of the first table that holds one. Under READ COMMITTED only:
-- the check must see rows committed by a writer it waited for (its KEY SHARE
-- lock), which a REPEATABLE READ snapshot would miss (the RI checks take a
-- second snapshot; PL/pgSQL cannot), so every path (re-key, delete, truncate)
-- refuses a stricter isolation level.
create or replace function app.refuse_referenced_employees(p_ids uuid[], p_action text) returns void
language plpgsql volatile
as $$
declare
    v_holder text;
begin
    if current_setting('transaction_isolation') <> 'read committed' then
        raise exception using
            errcode = 'feature_not_supported',
            message = 'Employees are deleted, re-keyed or truncated under READ COMMITTED only.',
            detail = 'The check that no ledger row or stored day refers to them needs a current snapshot.';
    end if;
    v_holder := case
        when exists (select 1 from app.attendance_events as ev where ev.employee_id = any(p_ids))
            then 'attendance_events_employee_id_fkey'
        when exists (select 1 from app.daily_status as ds where ds.employee_id = any(p_ids))
            then 'daily_status_employee_id_fkey'
    end;
    if v_holder is not null then
        perform app.foreign_key_violation(
            v_holder,
            format('%s on table "employees" violates foreign key constraint "%s"', p_action, v_holder),
            'An employee with ledger rows or stored days is never deleted and keeps its id.'
        );
    end if;
end
$$;

create or replace function app.tg_employees__keep_ledger_id() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.id is distinct from old.id then
        perform app.refuse_referenced_employees(array[old.id], 'update');
    end if;
    return new;
end
$$;

create or replace function app.tg_employees__keep_ledger() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.refuse_referenced_employees(array(select o.id from old_rows as o), 'delete');
    return null;
end
$$;

create or replace function app.tg_employees__no_truncate() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.refuse_referenced_employees(array(select e.id from app.employees as e), 'truncate');
    return null;
end
$$;

-- The ledger's check is step 1 of its _020_new_rows
-- (sql/triggers/100_attendance_events.sql), which skips it for a statement
-- of live punches their steps stored: each step first advanced the
-- employee's chain head (app.ledger_chain_advance, the lock
-- app.lock_employee takes), and that head's own foreign key
-- (ledger_chain_heads_employee_id_fkey) holds the same guarantee: the head
-- exists only for an existing employee (a missing head is inserted, which
-- its foreign key checks, KEY SHARE-locking the employee as the RI check
-- did), a DELETE or re-key of the employee is refused by that foreign key
-- while the head exists, and no one deletes the head under the punch's row
-- lock (a head deleted before it: the step inserts it again, checked).
create or replace trigger _020_employee_exists
after insert on app.daily_status
referencing new table as new_rows
for each statement execute function app.tg_employee_ref__exists('daily_status_employee_id_fkey');

create or replace trigger _020_employee_moved
before update of employee_id on app.daily_status
for each row execute function app.tg_employee_ref__moved('daily_status_employee_id_fkey');

create or replace trigger _020_keep_ledger_id
before update of id on app.employees
for each row execute function app.tg_employees__keep_ledger_id();

create or replace trigger _020_keep_ledger
after delete on app.employees
referencing old table as old_rows
for each statement execute function app.tg_employees__keep_ledger();

create or replace trigger _021_no_truncate
before truncate on app.employees
for each statement execute function app.tg_employees__no_truncate();
