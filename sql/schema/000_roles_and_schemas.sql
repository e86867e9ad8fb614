-- hithonix:as-superuser
-- Roles, schemas and default privileges: the bootstrap every other file assumes.
-- It runs as the connecting superuser (roles are cluster objects); every other
-- file runs as hithonix_owner, the NOLOGIN, non-superuser owner of the
-- application's objects (migration 0016).
--
-- Roles are cluster-wide, so their creation is guarded (a second database on
-- the same server, or a DBA who created them first, must not break this).
-- Least privilege by default: no role can execute a function unless a grant
-- next to that function says so.

do $$
declare
    r text;
begin
    foreach r in array array['anon', 'employee', 'approver', 'hr_admin', 'kiosk'] loop
        if not exists (select from pg_catalog.pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
    if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'hithonix_worker') then
        create role hithonix_worker login;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'hithonix_owner') then
        create role hithonix_owner nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls noreplication;
    end if;
    execute format('grant connect, create, temporary on database %I to hithonix_owner', current_database());
end
$$;

grant anon to authenticator;
grant employee to authenticator;
grant approver to authenticator;
grant hr_admin to authenticator;
grant kiosk to authenticator;

alter default privileges revoke execute on functions from public;
alter default privileges for role hithonix_owner revoke execute on functions from public;
revoke create on schema public from public;

create extension if not exists citext with schema public;

create schema if not exists app authorization hithonix_owner;
comment on schema app is 'Tables and private functions. Never exposed over HTTP.';
