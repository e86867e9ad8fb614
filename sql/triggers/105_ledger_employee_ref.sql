-- The employee a ledger row belongs to, checked once per statement (migration
-- 0165 dropped the foreign key attendance_events.employee_id -> employees.id,
-- whose RI query ran once per row: ~0.7 s of CPU of a 100,000-event bulk
-- insert).
--   attendance_events  _020_employee_exists  (statement, AFTER INSERT)  every new
--                                            row's employee exists, KEY SHARE-locked
--                                            as the RI check locked it
--   employees          _020_keep_ledger_id   (row, BEFORE UPDATE OF id)  the id of an
--                                            employee with ledger rows never changes
--                      _020_keep_ledger      (statement, AFTER DELETE)  an employee with
--                                            ledger rows is never deleted
--                      _021_no_truncate      (statement, BEFORE TRUNCATE)  nor
--                                            truncated under the ledger
-- The ledger itself never loses a row nor changes employee_id (append-only,
-- sql/triggers/100_attendance_events.sql). The same guarantees as the foreign
-- key, with its SQLSTATE (23503, a 409 through PostgREST) and its name;
-- SECURITY DEFINER like the RI checks, which see every row whatever the
-- caller's row-level security.
-- Races: an insert KEY SHARE-locks its employees after writing its rows, so a
-- concurrent DELETE of one waits for it and then (its guard's new snapshot)
-- sees the rows; a DELETE that came first makes the insert's lock find the
-- employee gone. The guard of a DELETE also locks the employees' ledger chain
-- heads, the first lock of every ledger writer: under REPEATABLE READ, where
-- its snapshot could miss rows committed meanwhile, a writer that chained rows
-- since then makes that lock fail with a serialization error.

-- The foreign key's error: SQLSTATE 23503, the constraint's name, what was refused.
create or replace function app.ledger_employee_violation(p_message text, p_detail text) returns void
language plpgsql volatile
as $$
begin
    raise exception using
        errcode = 'foreign_key_violation',
        message = p_message,
        detail = p_detail,
        constraint = 'attendance_events_employee_id_fkey';
end
$$;

create or replace function app.tg_attendance_events__employee_exists() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employees uuid[];
    v_locked integer;
begin
    v_employees := array(select distinct n.employee_id from new_rows as n);
    perform 1 from app.employees as e where e.id = any(v_employees) for key share;
    get diagnostics v_locked = row_count;
    if v_locked < cardinality(v_employees) then
        perform app.ledger_employee_violation(
            'insert or update on table "attendance_events" violates foreign key constraint '
            '"attendance_events_employee_id_fkey"',
            'A ledger row names an employee who does not exist.'
        );
    end if;
    return null;
end
$$;

create or replace function app.tg_employees__keep_ledger_id() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.id is distinct from old.id
        and exists (select 1 from app.attendance_events as ev where ev.employee_id = old.id) then
        perform app.ledger_employee_violation(
            'update on table "employees" violates foreign key constraint "attendance_events_employee_id_fkey"',
            'The id of an employee with ledger rows never changes.'
        );
    end if;
    return new;
end
$$;

create or replace function app.tg_employees__keep_ledger() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform 1 from app.ledger_chain_heads as h
    where h.employee_id in (select o.id from old_rows as o)
    order by h.employee_id
    for update;
    if exists (
        select 1 from old_rows as o
        where exists (select 1 from app.attendance_events as ev where ev.employee_id = o.id)
    ) then
        perform app.ledger_employee_violation(
            'delete on table "employees" violates foreign key constraint "attendance_events_employee_id_fkey"',
            'An employee with ledger rows cannot be deleted.'
        );
    end if;
    return null;
end
$$;

create or replace function app.tg_employees__no_truncate() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (select 1 from app.attendance_events) then
        perform app.ledger_employee_violation(
            'truncate on table "employees" violates foreign key constraint "attendance_events_employee_id_fkey"',
            'Employees cannot be truncated under the ledger.'
        );
    end if;
    return null;
end
$$;

create or replace trigger _020_employee_exists
after insert on app.attendance_events
referencing new table as new_rows
for each statement execute function app.tg_attendance_events__employee_exists();

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
