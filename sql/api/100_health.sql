-- api.health(): the one thing anon may call. Status, database time and the
-- newest applied migration.

create or replace function app.schema_version() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select max(a.version) from migrations.applied as a
$$;
grant execute on function app.schema_version() to anon, employee, approver, hr_admin, kiosk;

create or replace function api.health() returns jsonb
language sql stable
as $$
    select jsonb_build_object(
        'status', 'ok',
        'database_time', now(),
        'schema_version', app.schema_version()
    )
$$;
comment on function api.health() is 'Liveness: status, database time, applied schema version.';
grant execute on function api.health() to anon, employee, approver, hr_admin, kiosk;
