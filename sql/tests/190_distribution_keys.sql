-- Scale-out keys (docs/scale-out.md): every per-employee table carries
-- employee_id in its primary key, unique indexes and foreign keys, so a
-- distributed engine can check them on one node. The catalog check
-- (tests.distribution_key_violations) passes on the schema and reports each
-- kind of wrong table created below (all rolled back).
begin;
select plan(19);

select is(
    (select array_agg(v.table_name || ': ' || v.problem) from tests.distribution_key_violations() as v),
    null,
    'no per-employee table breaks the key rule'
);
select ok(
    (select array_agg(t::text) from tests.per_employee_tables() as t)
    @> array['app.attendance_events', 'app.daily_status', 'app.day_unlocks'],
    'the ledger, daily status and unlocks are per-employee tables'
);
select ok(
    not exists (select 1 from tests.per_employee_tables() as t where t in ('app.employees'::regclass, 'app.settings'::regclass)),
    'employees and settings are not (reference tables)'
);

-- the keys themselves
select col_is_pk('app', 'attendance_events', array['id', 'employee_id'], 'ledger key: (id, employee_id)');
select col_is_pk('app', 'daily_status', array['employee_id', 'business_date_ist'], 'day key: (employee_id, business_date_ist)');
select col_is_pk('app', 'day_unlocks', array['id', 'employee_id'], 'unlock key: (id, employee_id)');
select fk_ok(
    'app', 'attendance_events', array['employee_id', 'corrects_event_id'],
    'app', 'attendance_events', array['employee_id', 'id'],
    'a VOID references (employee_id, event id)'
);

-- the ledger's id alone is no longer a key anything can reference
select throws_ok(
    $$create table app.note_by_event_id (
        id bigint generated always as identity, employee_id uuid not null,
        event_id bigint references app.attendance_events (id), primary key (id, employee_id))$$,
    '42830', null,
    'a foreign key onto the ledger by id alone is refused by the database'
);

-- the foreign key holds even where the insert trigger is out of the way:
-- a VOID cannot point at another employee's event
select tests.create_employee('kay@example.com') as kay \gset
select tests.create_employee('lou@example.com') as lou \gset
select tests.allow_backdating();
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'kay', 'CLOCK_IN', tests.ist('2026-11-20 09:00'), 'admin', 'test')
returning id as kay_in \gset
alter table app.attendance_events disable trigger _100_prepare;
select throws_ok(
    format(
        $$insert into app.attendance_events
            (employee_id, event_type, occurred_at, business_date_ist, source, created_by, corrects_event_id)
          values (%L, 'VOID', now(), '2026-11-20', 'admin', 'test', %s)$$,
        :'lou', :kay_in
    ),
    '23503', null,
    'a VOID of another employee''s event breaks the (employee_id, id) foreign key'
);
alter table app.attendance_events enable trigger _100_prepare;

-- the outbox message names the event's employee
select is(
    (select m.message ->> 'employee_id' from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = :kay_in),
    :'kay',
    'the outbox message carries employee_id beside event_id'
);

-- wrong tables, each reported
create table app.wrong_id_key (
    id bigint generated always as identity primary key,
    employee_id uuid not null references app.employees (id)
);
select ok(
    ('app.wrong_id_key', 'primary key app.wrong_id_key_pkey lacks employee_id')
    in (select * from tests.distribution_key_violations()),
    'a per-employee table keyed by id alone is reported'
);

create table app.wrong_no_column (
    id bigint generated always as identity primary key,
    requested_by uuid not null references app.employees (id)
);
select ok(
    ('app.wrong_no_column', 'has no employee_id column') in (select * from tests.distribution_key_violations()),
    'a table that points at employees without an employee_id column is reported'
);

create table app.wrong_nullable (
    id bigint generated always as identity,
    employee_id uuid references app.employees (id),
    unique (id, employee_id)
);
select ok(
    ('app.wrong_nullable', 'employee_id is nullable') in (select * from tests.distribution_key_violations()),
    'a nullable employee_id is reported'
);
select ok(
    ('app.wrong_nullable', 'has no primary key') in (select * from tests.distribution_key_violations()),
    'a per-employee table without a primary key is reported'
);

create table app.wrong_unique (
    id bigint generated always as identity,
    employee_id uuid not null references app.employees (id),
    external_ref text not null unique,
    primary key (id, employee_id)
);
select ok(
    ('app.wrong_unique', 'unique index app.wrong_unique_external_ref_key lacks employee_id')
    in (select * from tests.distribution_key_violations()),
    'a unique index without employee_id is reported'
);

create table app.wrong_pairing (
    employee_id uuid not null references app.employees (id),
    colleague_id uuid not null,
    business_date_ist date not null,
    primary key (employee_id, business_date_ist),
    constraint wrong_pairing_day_fkey foreign key (colleague_id, business_date_ist)
    references app.daily_status (employee_id, business_date_ist)
);
select ok(
    ('app.wrong_pairing', 'foreign key wrong_pairing_day_fkey does not pair employee_id with employee_id')
    in (select * from tests.distribution_key_violations()),
    'a foreign key that joins another employee''s rows is reported'
);

-- a table that reaches employees only through another per-employee table is one too
create table app.wrong_child (
    id bigint generated always as identity primary key,
    parent_id bigint not null,
    parent_employee_id uuid not null,
    foreign key (parent_id, parent_employee_id) references app.day_unlocks (id, employee_id)
);
select ok(
    'app.wrong_child'::regclass in (select * from tests.per_employee_tables()),
    'a table that references a per-employee table is per-employee'
);
select ok(
    ('app.wrong_child', 'has no employee_id column') in (select * from tests.distribution_key_violations()),
    'and is reported when it lacks employee_id'
);

-- fixing the table clears the report
alter table app.wrong_id_key drop constraint wrong_id_key_pkey, add primary key (id, employee_id);
select ok(
    not exists (select 1 from tests.distribution_key_violations() as v where v.table_name = 'app.wrong_id_key'),
    'once its key includes employee_id the table passes'
);

select * from finish();
rollback;
