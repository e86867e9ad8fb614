-- A ledger row's and a stored day's employee (migrations 0165 and 0166: checked
-- once per statement instead of a foreign key's query per row,
-- sql/triggers/105_ledger_employee_ref.sql):
-- the same guarantees as the foreign key, with its SQLSTATE and name. Attacks,
-- as the owner (no client role can write these tables directly): a row for
-- an employee who does not exist, among valid ones, directly and through the
-- bulk path; a day of nobody, or moved to nobody; a live row of nobody (its
-- step's chain head stands for the check, which a statement of live steps
-- skips), a later non-live row or a bulk import after a stepped punch or a
-- hand-set note; a referenced employee
-- deleted, its id changed, employees truncated. The concurrent DELETE against an INSERT is in
-- tests/test_concurrency.py.
begin;
select plan(22);

select tests.allow_backdating();
select tests.create_employee('ria@example.com') as ria \gset
insert into app.employees (email, full_name) values ('sam@example.com', 'Sam') returning id as sam \gset

select ok(
    not exists (
        select 1 from pg_constraint as c
        where c.conrelid = 'app.attendance_events'::regclass and c.confrelid = 'app.employees'::regclass
    ),
    'no per-row foreign key from the ledger to employees'
);
select ok(
    not exists (
        select 1 from pg_constraint as c
        where c.conrelid = 'app.daily_status'::regclass and c.confrelid = 'app.employees'::regclass
    ),
    'nor from the stored days'
);

-- Every writer's chain head (app.ledger_chain_heads, its own foreign key) also
-- names the employee; the owner's insert with the chain given
-- (hithonix.ledger_chain_given, as app.insert_events_bulk does) takes no head,
-- so these rows carry their chain columns and reach the statement check.
create function pg_temp.insert_chained(p_employees uuid[]) returns void
language plpgsql
as $$
begin
    perform set_config('hithonix.ledger_chain_given', 'on', true);
    insert into app.attendance_events (
        employee_id, event_type, occurred_at, source, created_by, chain_seq, chain_hash
    )
    select e, 'CLOCK_IN', tests.ist('2026-11-20 09:00'), 'admin', 'test', 1, sha256('\x00')
    from unnest(p_employees) as e;
    perform set_config('hithonix.ledger_chain_given', 'off', true);
end
$$;

-- one statement, one row of nobody among good ones: the whole statement fails
select throws_ok(
    format('select pg_temp.insert_chained(array[%L, gen_random_uuid()]::uuid[])', :'ria'),
    '23503', null, 'a ledger row of an employee who does not exist is refused (the whole statement)'
);
select is((select count(*) from app.attendance_events where employee_id = :'ria'), 0::bigint, 'nothing of it stays');
select is(
    (select count(*) from app.daily_status where employee_id = :'ria'), 0::bigint, 'nor any day derived from it'
);
-- the error names the foreign key it stands for
create function pg_temp.violation() returns text
language plpgsql
as $$
declare
    v_constraint text;
begin
    perform pg_temp.insert_chained(array[gen_random_uuid()]);
    return null;
exception when foreign_key_violation then
    get stacked diagnostics v_constraint = constraint_name;
    return v_constraint;
end
$$;
select is(pg_temp.violation(), 'attendance_events_employee_id_fkey', 'the error names the constraint');

-- the bulk path: one unknown employee fails the import
select throws_ok(
    format(
        $$select app.import_events_v1(array[%L, gen_random_uuid()]::uuid[], array['CLOCK_IN', 'CLOCK_IN']::app.event_type[],
            array[tests.ist('2026-11-20 09:00'), tests.ist('2026-11-20 09:00')], 'test')$$,
        :'ria'
    ),
    '23503', null, 'the bulk path refuses an employee who does not exist'
);
select lives_ok(
    format(
        $$select app.import_events_v1(array[%L, %L]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[],
            array[tests.ist('2026-11-20 09:00'), tests.ist('2026-11-20 19:30')], 'test')$$,
        :'ria', :'ria'
    ),
    'rows of an existing employee are accepted'
);
select is((select count(*) from app.attendance_events where employee_id = :'ria'), 2::bigint, 'and stored');

-- stored days: of nobody, or moved to nobody, refused; moved to somebody, as a
-- foreign key allows
create function pg_temp.day_of(p_employee uuid, p_date date) returns text
language sql
as $$
    insert into app.daily_status (
        employee_id, business_date_ist, current_status, worked_minutes, break_minutes_used, lunch_minutes,
        event_count, anomalies, is_locked, has_sync_errors
    )
    values (p_employee, p_date, 'OFF_DUTY', 0, 0, 0, 0, '{}', false, false)
    returning 'stored'
$$;
select throws_ok(
    format('select pg_temp.day_of(%L, ''2026-11-25''), pg_temp.day_of(gen_random_uuid(), ''2026-11-25'')', :'ria'),
    '23503', null, 'a stored day of an employee who does not exist is refused (the whole statement)'
);
select is(pg_temp.day_of(:'sam', '2026-11-25'), 'stored', 'a day of an employee is stored');
select throws_ok(
    format('update app.daily_status set employee_id = gen_random_uuid() where employee_id = %L', :'sam'),
    '23503', null, 'a stored day never moves to an employee who does not exist'
);
select lives_ok(
    format('update app.daily_status set employee_id = %L where employee_id = %L', :'ria', :'sam'),
    'nor is a move to an existing employee refused (what a foreign key allows)'
);
insert into app.employees (email, full_name) values ('tom@example.com', 'Tom') returning id as tom \gset
select pg_temp.day_of(:'tom', '2026-11-26');
select throws_ok(
    format('delete from app.employees where id = %L', :'tom'),
    '23503', 'delete on table "employees" violates foreign key constraint "daily_status_employee_id_fkey"',
    'an employee with stored days cannot be deleted'
);

-- the live path: a statement of live steps makes no statement check (the
-- step's chain head lock, with the head's own foreign key, stands for it);
-- the check still runs for every other row
set local track_functions = 'all';
create function pg_temp.ref_calls() returns bigint
language sql volatile
as $$ select coalesce(pg_stat_get_xact_function_calls('app.lock_referenced_employees(uuid[], text, text)'::regprocedure), 0) $$;
insert into app.employees (email, full_name) values ('vic@example.com', 'Vic') returning id as vic \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'vic', 'CLOCK_IN', now() - interval '2 hours', 'web', 'test');
select pg_temp.ref_calls() as r0 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'vic', 'BREAK_START', now() - interval '1 hour', 'web', 'test');
select is(pg_temp.ref_calls() - :r0, 0::bigint, 'a stepped live row of an employee: no statement check call');
select throws_ok(
    $$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
    values (gen_random_uuid(), 'CLOCK_IN', now() - interval '1 hour', 'web', 'test')$$,
    '23503', null, 'a live row of an employee who does not exist is refused (the chain head''s foreign key)'
);
select is(pg_temp.violation(), 'attendance_events_employee_id_fkey', 'a later non-live row of nobody is still refused');

-- the referenced employee: not deleted (even without the chain head, whose own
-- foreign key would refuse it first), id never changed, never truncated. Una
-- has ledger rows and nothing else that refers to her (no badge, no leave),
-- so the refusal below can only be the ledger's check
insert into app.employees (email, full_name) values ('una@example.com', 'Una') returning id as una \gset
select app.import_events_v1(array[:'una']::uuid[], array['CLOCK_IN']::app.event_type[],
    array['2026-11-20 04:30:00+00']::timestamptz[], 'test');
delete from app.ledger_chain_heads where employee_id = :'una';
select throws_ok(
    format('delete from app.employees where id = %L', :'una'),
    '23503', 'delete on table "employees" violates foreign key constraint "attendance_events_employee_id_fkey"',
    'an employee with ledger rows cannot be deleted (refused by the ledger''s check)'
);
select throws_ok(
    format('update app.employees set id = gen_random_uuid() where id = %L', :'una'),
    '23503', 'update on table "employees" violates foreign key constraint "attendance_events_employee_id_fkey"',
    'the id of an employee with ledger rows never changes (refused by the ledger''s check)'
);
select lives_ok(
    format($$update app.employees set full_name = 'Ria R.' where id = %L$$, :'ria'),
    'other columns of a referenced employee change'
);
set local client_min_messages = warning;
select throws_ok('truncate app.employees cascade', '23503', null, 'employees are never truncated under the ledger');
-- an employee without ledger rows goes (nothing else references sam)
select lives_ok(format('delete from app.employees where id = %L', :'sam'), 'an employee without ledger rows can be deleted');

select * from finish();
rollback;
