-- api.health(): the one thing anon may call. Status, database time and the
-- newest applied migration (app.schema_version, sql/functions/050_health.sql).

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
