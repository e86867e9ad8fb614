-- Structure: the api surface is pinned, RLS is on every app table, every api
-- view is security_invoker, every api object carries a comment (its OpenAPI
-- description), anon can run health() and nothing else.
begin;
select plan(16);

select has_schema('app');
select has_schema('api');

select functions_are(
    'api',
    array[
        'add_event', 'anomaly_report', 'break_end', 'break_start', 'clock_in', 'clock_out', 'deactivate_employee',
        'health', 'import_commit', 'import_prepare', 'import_preview', 'import_rollback', 'import_status',
        'import_template', 'kiosk_punch', 'lunch_end', 'lunch_start', 'retry_sync', 'set_employee_role',
        'status_board', 'unlock_day', 'upsert_employee', 'validate_shift_plan', 'verify_ledger', 'void_event',
        -- leave (issue 12)
        'adjust_leave_balance', 'approve_leave', 'calendar_sync', 'cancel_leave', 'delete_holiday', 'leave_summary',
        'reject_leave', 'request_leave', 'upsert_holiday', 'upsert_leave_policy',
        -- the Slack app (issue 16)
        'my_day',
        -- adjustments and the payroll period lock (issue 14)
        'approve_adjustment', 'lock_period', 'reject_adjustment', 'request_adjustment', 'unlock_period',
        'withdraw_adjustment',
        -- administration (issue 14)
        'assign_roles', 'audit_logs_export', 'audit_logs_search', 'unassign_roles',
        -- front desk (issue 15)
        'acknowledge_alert', 'assign_badge', 'badge_history', 'badge_scan', 'kiosk_devices', 'kiosk_login',
        'presence', 'register_kiosk_device', 'report_badge_lost', 'return_badge', 'revoke_badge',
        'revoke_kiosk_device', 'rotate_kiosk_key', 'security_alerts',
        -- front desk follow-ups (issue 15, desk3)
        'set_kiosk_device_purpose',
        -- front desk: visitors, duty roster and lockup, events (issue 15, desk2)
        'visitor_sign_in', 'visitor_sign_out', 'set_duty', 'lockup',
        'create_event', 'add_event_attendees', 'event_report'
    ],
    'the api function surface is exactly the contract''s'
);
select views_are('api', array[
    'attendance_events', 'audit_logs', 'daily_status', 'employees', 'keka_corrections', 'sync_overview',
    'holidays', 'leave_balances', 'leave_policies', 'leave_requests',
    'adjustment_requests', 'period_locks',
    -- front desk (issue 15)
    'visitors', 'duty_roster', 'lockups', 'events'
]);
select tables_are('api', '{}'::name [], 'no table is exposed in api');

select is(
    (select array_agg(c.relname::text order by c.relname)
     from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname = 'app' and c.relkind in ('r', 'p') and not c.relrowsecurity),
    null,
    'every table in app has row level security enabled'
);
select is(
    (select array_agg(c.relname::text order by c.relname)
     from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname = 'api' and c.relkind = 'v'
       and not coalesce(c.reloptions @> array['security_invoker=true'], false)),
    null,
    'every api view is security_invoker'
);
select is(
    (select array_agg(p.proname::text order by p.proname)
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = 'api' and has_function_privilege('anon', p.oid, 'execute')),
    array['health', 'kiosk_login'],
    'anon can execute api.health and kiosk_login (key -> kiosk JWT) and nothing else in api'
);
select is(
    (select array_agg(c.relname::text)
     from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('api', 'app') and c.relkind in ('r', 'v', 'p')
       and has_table_privilege('anon', c.oid, 'select')),
    null,
    'anon can read no table or view'
);
select is(
    (select array_agg(p.proname::text order by p.proname)
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = 'api' and has_function_privilege('kiosk', p.oid, 'execute')),
    array['badge_scan', 'health', 'kiosk_punch', 'visitor_sign_in', 'visitor_sign_out'],
    'kiosk can only scan and punch by badge and sign visitors in and out (and call health)'
);
select is(
    (select array_agg(c.relname::text)
     from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('api', 'app') and c.relkind in ('r', 'v', 'p')
       and has_table_privilege('kiosk', c.oid, 'select')),
    null,
    'kiosk can read nothing'
);
select is(
    (select array_agg(p.proname::text)
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = 'api' and p.prosecdef),
    null,
    'no api function is security definer (the privileged code is in app)'
);
select is(
    (select array_agg(p.proname::text)
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = 'app' and p.prosecdef
       and not exists (select 1 from unnest(p.proconfig) as c where c like 'search_path=%')),
    null,
    'every security definer function pins its search_path'
);
-- every object in api: functions, views, and anything added there later
select is(
    (select array_agg(o.name order by o.name) from (
        select 'function ' || p.proname as name, obj_description(p.oid, 'pg_proc') as description
        from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = 'api'
        union all
        select 'relation ' || c.relname, obj_description(c.oid, 'pg_class')
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'api'
    ) as o where o.description is null),
    null,
    'every api function and view has a comment (it becomes the OpenAPI description)'
);
select ok(
    (select not r.rolinherit and r.rolcanlogin from pg_roles as r where r.rolname = 'authenticator'),
    'authenticator logs in and does not inherit'
);
select ok(
    pg_has_role('authenticator', 'anon', 'member') and pg_has_role('authenticator', 'employee', 'member')
    and pg_has_role('authenticator', 'approver', 'member') and pg_has_role('authenticator', 'hr_admin', 'member')
    and pg_has_role('authenticator', 'kiosk', 'member') and not pg_has_role('authenticator', 'hithonix_worker', 'member'),
    'authenticator can become each client role, and not the worker'
);

select * from finish();
rollback;
