-- Keys ready for scale-out (issue 17): employee_id in every per-employee key.
--
-- A distributed engine (Citus, distribution column employee_id) can only check
-- a primary key, a unique index or a foreign key on one node when it contains
-- the distribution column. So:
-- * attendance_events: primary key (id) -> (id, employee_id); the VOID link
--   becomes (employee_id, corrects_event_id) -> (employee_id, id) and its
--   one-VOID-per-event index (corrects_event_id, employee_id);
-- * day_unlocks: primary key (id) -> (id, employee_id);
-- * every other foreign key onto the ledger's id (none today; later migrations
--   may have added some) is rebuilt the same way, keeping its name;
-- * outbox messages still waiting (keka_sync, keka_sync_dlq) gain the
--   employee_id of their event, as every new message carries it.
-- id stays first: ids are handed out in order, so inserts append at the right
-- edge of the index, and lookups by a client's global id still use it.
--
-- Lock: ACCESS EXCLUSIVE on attendance_events and day_unlocks for the length of
-- the index builds and the foreign-key check (one scan of the ledger); every
-- punch waits meanwhile. For a ledger of millions, see docs/scale-out.md for
-- the concurrent path (unique index built CONCURRENTLY, then PRIMARY KEY USING
-- INDEX; foreign key NOT VALID, then VALIDATE).

-- One block, so that the foreign keys dropped first can be rebuilt last.
do $$
declare
    r record;
    v_references jsonb := '[]';
begin
    -- Foreign keys that reference the ledger by id alone: remember, then drop
    -- them (the primary key they depend on is replaced below).
    for r in
        select c.conname, c.conrelid::regclass::text as child, a.attname::text as child_column
        from pg_constraint as c
        inner join pg_attribute as a on c.conrelid = a.attrelid and a.attnum = c.conkey[1]
        where c.contype = 'f'
            and c.confrelid = 'app.attendance_events'::regclass
            and cardinality(c.conkey) = 1
    loop
        v_references := v_references || jsonb_build_object(
            'conname', r.conname, 'child', r.child, 'child_column', r.child_column
        );
        execute format('alter table %s drop constraint %I', r.child, r.conname);
    end loop;

    -- Primary keys: whatever they are called today, (id) becomes (id, employee_id),
    -- unless an operator already did it (the concurrent path in docs/scale-out.md).
    for r in
        select c.conname, c.conrelid::regclass as tbl, t.relname
        from pg_constraint as c
        inner join pg_class as t on c.conrelid = t.oid
        where c.contype = 'p'
            and c.conrelid in ('app.attendance_events'::regclass, 'app.day_unlocks'::regclass)
            and not exists (
                select 1 from pg_attribute as a
                where a.attrelid = c.conrelid and a.attname = 'employee_id' and a.attnum = any(c.conkey)
            )
    loop
        execute format('alter table %s drop constraint %I', r.tbl, r.conname);
        execute format(
            'alter table %s add constraint %I primary key (id, employee_id)', r.tbl, r.relname || '_pkey'
        );
    end loop;

    -- One VOID per event, checked within the employee's rows (unless already so).
    if not exists (
        select 1 from pg_index as i
        inner join pg_attribute as a on i.indrelid = a.attrelid and a.attnum = any(i.indkey::int2 [])
        where i.indexrelid = to_regclass('app.attendance_events_one_void_idx') and a.attname = 'employee_id'
    ) then
        drop index if exists app.attendance_events_one_void_idx;
        create unique index attendance_events_one_void_idx
        on app.attendance_events (corrects_event_id, employee_id)
        where corrects_event_id is not null;
    end if;

    -- The references come back with employee_id on both sides, under their names.
    for r in
        select * from jsonb_to_recordset(v_references) as x (conname text, child text, child_column text)
    loop
        execute format(
            'alter table %s add constraint %I foreign key (employee_id, %I) '
            'references app.attendance_events (employee_id, id)',
            r.child, r.conname, r.child_column
        );
    end loop;
end
$$;

-- Waiting messages name their event's employee, like the new ones.
update pgmq.q_keka_sync as m
set message = m.message || jsonb_build_object('employee_id', ev.employee_id)
from app.attendance_events as ev
where ev.id = (m.message ->> 'event_id')::bigint and not m.message ? 'employee_id';

update pgmq.q_keka_sync_dlq as m
set message = m.message || jsonb_build_object('employee_id', ev.employee_id)
from app.attendance_events as ev
where ev.id = (m.message ->> 'event_id')::bigint and not m.message ? 'employee_id';
