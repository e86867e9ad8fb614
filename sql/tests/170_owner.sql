-- The owner is not a superuser (issue 10): every application object belongs to
-- hithonix_owner, which cannot switch the append-only guards off with
-- session_replication_role, and no login the application uses can become it.
begin;
select plan(9);

select is(
    (select coalesce(array_agg(distinct r.rolname::text), '{}')
     from pg_namespace as n join pg_roles as r on r.oid = n.nspowner
     where n.nspname in ('app', 'api', 'pgmq', 'procrastinate', 'migrations')),
    array['hithonix_owner'], 'the application schemas belong to hithonix_owner'
);
select is(
    (select coalesce(array_agg(distinct format('%s.%s', n.nspname, c.relname)), '{}')
     from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('app', 'api', 'pgmq', 'procrastinate', 'migrations')
        and c.relowner <> 'hithonix_owner'::regrole),
    '{}'::text[], 'so do all their tables, views, sequences and indexes'
);
select is(
    (select coalesce(array_agg(p.oid::regprocedure::text), '{}')
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname in ('app', 'api', 'pgmq', 'procrastinate') and p.proowner <> 'hithonix_owner'::regrole),
    '{}'::text[], 'and all their functions (security definer ones run as the owner, not a superuser)'
);
select ok(
    (select not (rolsuper or rolcreaterole or rolcreatedb or rolbypassrls or rolreplication or rolcanlogin)
     from pg_roles where rolname = 'hithonix_owner'),
    'hithonix_owner cannot log in and holds no superuser-like attribute'
);
select is(
    (select coalesce(array_agg(r.rolname::text order by 1), '{}') from pg_roles as r
     where r.rolname in ('authenticator', 'hithonix_worker', 'anon', 'employee', 'approver', 'hr_admin', 'kiosk')
        and pg_has_role(r.oid, 'hithonix_owner', 'member')),
    '{}'::text[], 'no role the application logs in or switches to can become the owner'
);
select is(
    (select coalesce(array_agg(b.rolname::text), '{}') from pg_auth_members as m
     join pg_roles as b on b.oid = m.roleid where m.member = 'hithonix_owner'::regrole),
    '{}'::text[], 'the owner is a member of no role'
);

select tests.create_employee('own@example.com') as emp \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'emp', 'CLOCK_IN', now() - interval '1 hour', 'import', 'test');

set local role hithonix_owner;
select throws_ok(
    $$set session_replication_role = replica$$, '42501', null,
    'the owner cannot set session_replication_role (it would switch the guards off)'
);
select throws_ok(
    $$update app.attendance_events set occurred_at = occurred_at - interval '1 day'$$,
    'PT403', 'LEDGER_APPEND_ONLY', 'the owner is held to the append-only ledger'
);
select throws_ok(
    $$truncate app.audit_logs$$, 'PT403', 'APPEND_ONLY', 'and to the append-only audit trail'
);
reset role;

select * from finish();
rollback;
