-- hithonix:as-superuser
-- The application's objects get a dedicated owner that is not a superuser
-- (issue 10). Until now everything was owned by the superuser that ran the
-- migrations, so `session_replication_role = replica` (or any other superuser
-- power) switched off the append-only guards from an ordinary owner session.
--
-- hithonix_owner: NOLOGIN, no SUPERUSER/CREATEROLE/CREATEDB/BYPASSRLS/REPLICATION.
-- It owns the schemas app, api, pgmq, procrastinate and migrations and all
-- their objects. The migration runner runs every later migration and the
-- repeatable SQL under `SET ROLE hithonix_owner` (files marked
-- `-- hithonix:as-superuser`, like this one, excepted: roles and role settings
-- are cluster objects). No login role is a member of it except the
-- administrators who run migrations.

do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'hithonix_owner') then
        create role hithonix_owner nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls noreplication;
    end if;
    execute format('grant connect, create, temporary on database %I to hithonix_owner', current_database());
end
$$;

-- what the owner creates is not executable by PUBLIC (as 0001 did for the superuser)
alter default privileges for role hithonix_owner revoke execute on functions from public;

-- hand every object of the application's schemas to the owner
do $$
declare
    v_schemas constant text[] := array['app', 'api', 'pgmq', 'procrastinate', 'migrations'];
    r record;
begin
    for r in
        select n.nspname from pg_catalog.pg_namespace as n where n.nspname = any(v_schemas)
    loop
        execute format('alter schema %I owner to hithonix_owner', r.nspname);
    end loop;
    -- tables, views (their indexes, identity and serial sequences follow their table)
    for r in
        select c.oid::regclass as rel, c.relkind
        from pg_catalog.pg_class as c
        inner join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = any(v_schemas) and c.relkind in ('r', 'p', 'v', 'm', 'f')
    loop
        execute format(
            'alter %s %s owner to hithonix_owner',
            case r.relkind when 'v' then 'view' when 'm' then 'materialized view'
                when 'f' then 'foreign table' else 'table' end,
            r.rel
        );
    end loop;
    -- sequences that no column owns
    for r in
        select c.oid::regclass as rel
        from pg_catalog.pg_class as c
        inner join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = any(v_schemas) and c.relkind = 'S'
            and not exists (
                select 1 from pg_catalog.pg_depend as d
                where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')
            )
    loop
        execute format('alter sequence %s owner to hithonix_owner', r.rel);
    end loop;
    -- functions and procedures
    for r in
        select p.oid::regprocedure as fn, p.prokind
        from pg_catalog.pg_proc as p
        inner join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = any(v_schemas)
    loop
        execute format(
            'alter %s %s owner to hithonix_owner',
            case r.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
            r.fn
        );
    end loop;
    -- types of their own (enums, domains, standalone composites; not arrays or row types)
    for r in
        select t.oid::regtype as typ, t.typtype
        from pg_catalog.pg_type as t
        inner join pg_catalog.pg_namespace as n on n.oid = t.typnamespace
        where n.nspname = any(v_schemas)
            and t.typtype in ('e', 'd', 'c', 'r')
            and t.typcategory <> 'A'
    loop
        if r.typtype = 'c' and exists (
            select 1 from pg_catalog.pg_class as c
            where c.reltype = r.typ::oid and c.relkind <> 'c'
        ) then
            continue;
        end if;
        execute format('alter %s %s owner to hithonix_owner', case r.typtype when 'd' then 'domain' else 'type' end, r.typ);
    end loop;
end
$$;

-- pgmq's install grants pg_monitor SELECT on what its installer creates later;
-- carry that over to the owner, who creates the queues from now on.
do $$
begin
    if exists (select from pg_catalog.pg_namespace where nspname = 'pgmq') then
        execute format('alter default privileges for role %I in schema pgmq revoke select on tables from pg_monitor',
            current_user);
        execute format(
            'alter default privileges for role %I in schema pgmq revoke select on sequences from pg_monitor',
            current_user
        );
        alter default privileges for role hithonix_owner in schema pgmq grant select on tables to pg_monitor;
        alter default privileges for role hithonix_owner in schema pgmq grant select on sequences to pg_monitor;
    end if;
end
$$;
