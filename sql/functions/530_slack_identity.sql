-- What the Slack app and the notification lane (both running as
-- hithonix_worker) may learn about employees, and nothing more: who a Slack
-- user is (to act as them with their own claims), and where a notice for an
-- employee goes. Versioned (_v1) like the worker's other functions.

-- The employee behind a Slack user id: {employee_id, role, active, full_name}, or null.
create or replace function app.slack_identity_v1(p_slack_user_id text) returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object(
        'employee_id', e.id, 'role', e.role, 'active', e.employment_status = 'ACTIVE',
        'full_name', e.full_name
    )
    from app.employees as e
    where e.slack_user_id = p_slack_user_id and length(p_slack_user_id) <= 64
$$;
comment on function app.slack_identity_v1(text) is
'The employee a Slack user id belongs to (id, role, active, name), or null.';
grant execute on function app.slack_identity_v1(text) to hithonix_worker;

-- A notice's recipient: {slack_user_id, full_name, active}, or null when unknown.
create or replace function app.notification_recipient_v1(p_employee_id uuid) returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object(
        'slack_user_id', e.slack_user_id, 'full_name', e.full_name,
        'active', e.employment_status = 'ACTIVE'
    )
    from app.employees as e
    where e.id = p_employee_id
$$;
comment on function app.notification_recipient_v1(uuid) is
'Where a notice for this employee goes: their Slack user id (null: none), name, active.';
grant execute on function app.notification_recipient_v1(uuid) to hithonix_worker;
