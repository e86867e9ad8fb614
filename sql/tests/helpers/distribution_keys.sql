-- The scale-out key rule as a catalog query (issue 17, docs/scale-out.md):
-- what a distributed engine with distribution column employee_id (Citus) needs
-- to check every key of an employee's rows on one node.
--
-- A table in schema app is per-employee (distributed by employee_id) when it
-- has a column employee_id, or a foreign key to app.employees, or a foreign key
-- to another per-employee table; app.employees itself is a reference table.
-- For each per-employee table:
--   * employee_id exists and is NOT NULL;
--   * the primary key, and every unique index, contains employee_id;
--   * every foreign key onto another per-employee table pairs employee_id
--     with employee_id (co-located rows).
-- And no other table has a foreign key onto a per-employee table (a reference
-- or coordinator-local table cannot point into distributed rows).

create schema if not exists tests;

-- Tables that carry an employee_id but are not per-employee, each with why.
-- The list is short and reviewed: a table lands here only when some of its
-- rows belong to no employee and docs/scale-out.md places it elsewhere.
create or replace function tests.key_rule_exempt_tables() returns setof regclass
language sql stable
as $$
    -- the readers' scan log: a scan of an unknown badge has no employee (issue 15)
    select t.r from (values (to_regclass('app.badge_scans'))) as t (r) where t.r is not null
$$;

create or replace function tests.per_employee_tables() returns setof regclass
language sql stable
as $$
    with recursive
    app_tables as (
        select c.oid
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where n.nspname = 'app' and c.relkind in ('r', 'p') and not c.relispartition
    ),
    per_employee (oid) as (
        select t.oid from app_tables as t
        where t.oid <> 'app.employees'::regclass
            and t.oid not in (select x from tests.key_rule_exempt_tables() as x)
            and (
                exists (
                    select 1 from pg_attribute as a
                    where a.attrelid = t.oid and a.attname = 'employee_id' and not a.attisdropped
                )
                or exists (
                    select 1 from pg_constraint as f
                    where f.conrelid = t.oid and f.contype = 'f' and f.confrelid = 'app.employees'::regclass
                )
            )
        union
        select f.conrelid
        from pg_constraint as f
        inner join per_employee as p on f.confrelid = p.oid
        inner join app_tables as t on f.conrelid = t.oid
        where f.contype = 'f' and f.conrelid <> 'app.employees'::regclass
    )
    select p.oid::regclass from per_employee as p
$$;

create or replace function tests.distribution_key_violations()
returns table (table_name text, problem text)
language sql stable
as $$
    with
    per_employee as (select t as oid from tests.per_employee_tables() as t),
    key_column as (
        select p.oid, a.attnum, a.attnotnull
        from per_employee as p
        left join pg_attribute as a
            on a.attrelid = p.oid and a.attname = 'employee_id' and not a.attisdropped
    )
    -- no employee_id at all
    select k.oid::regclass::text, 'has no employee_id column'
    from key_column as k where k.attnum is null
    union all
    select k.oid::regclass::text, 'employee_id is nullable'
    from key_column as k where k.attnum is not null and not k.attnotnull
    union all
    -- a table without a primary key cannot be checked on one node either
    select k.oid::regclass::text, 'has no primary key'
    from key_column as k
    where not exists (select 1 from pg_constraint as c where c.conrelid = k.oid and c.contype = 'p')
    union all
    select k.oid::regclass::text,
        case when i.indisprimary then 'primary key ' else 'unique index ' end
        || i.indexrelid::regclass::text || ' lacks employee_id'
    from key_column as k
    inner join pg_index as i on i.indrelid = k.oid and i.indisunique
    where k.attnum is null or not (k.attnum = any(i.indkey::int2 []))
    union all
    -- foreign keys between per-employee tables: employee_id on both sides, paired
    select f.conrelid::regclass::text, 'foreign key ' || f.conname || ' does not pair employee_id with employee_id'
    from pg_constraint as f
    inner join key_column as child on f.conrelid = child.oid
    inner join key_column as parent on f.confrelid = parent.oid
    where f.contype = 'f'
        and (
            child.attnum is null or parent.attnum is null
            or not exists (
                select 1 from unnest(f.conkey, f.confkey) as pair (child_col, parent_col)
                where pair.child_col = child.attnum and pair.parent_col = parent.attnum
            )
        )
    union all
    -- other tables pointing into per-employee rows
    select f.conrelid::regclass::text,
        'foreign key ' || f.conname || ' points from a non-per-employee table into ' || f.confrelid::regclass::text
    from pg_constraint as f
    inner join per_employee as parent on f.confrelid = parent.oid
    where f.contype = 'f' and f.conrelid not in (select p.oid from per_employee as p)
    order by 1, 2
$$;
