-- What api.health reports about the database itself: the newest applied
-- migration. Definer, because no client role may read the migrations schema.

create or replace function app.schema_version() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select max(a.version) from migrations.applied as a
$$;
grant execute on function app.schema_version() to anon, employee, approver, hr_admin, kiosk;
