-- The audit-log API: search pages with exact totals (the per-day counts path
-- and the plain count agree with a direct count), the CSV export (quoted,
-- audited), retention (the one sanctioned DELETE, a summary row, the counts
-- follow) and its attacks (other roles, a DELETE without the purge, a purge
-- flag on a recent row, UPDATE).
begin;
select plan(37);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('max@example.com') as max \gset
select tests.create_employee('ann@example.com', null, 'approver') as ann \gset

-- 600 rows over 60 days ending now, three actions, two actors, two targets
insert into app.audit_logs (created_at, actor_slack_id, actor_employee_id, actor_role, target_employee_id,
    action, entity, entity_id, reason, context)
select
    now() - make_interval(mins => g * 144),
    case when g % 2 = 0 then 'U-HR' else 'U-ANN' end,
    case when g % 2 = 0 then :'hr'::uuid else :'ann'::uuid end,
    'hr_admin',
    case when g % 3 = 0 then :'max'::uuid else :'ann'::uuid end,
    (array['VOID_EVENT', 'UNLOCK_DAY', 'ADMIN_ADJUST'])[1 + g % 3],
    'attendance_events', g::text,
    case when g % 10 = 0 then 'Badge reader was offline, 50% of the floor' else 'forgot to punch' end,
    jsonb_build_object('n', g)
from generate_series(1, 600) as g;

create function pg_temp.direct_count(
    p_actor text, p_action text, p_emp uuid, p_from timestamptz, p_to timestamptz, p_q text
) returns bigint language sql as $$
    select count(*) from app.audit_logs as a
    where (p_actor is null or a.actor_slack_id = p_actor)
      and (p_action is null or a.action = p_action)
      and (p_emp is null or a.target_employee_id = p_emp)
      and (p_from is null or a.created_at >= p_from)
      and (p_to is null or a.created_at < p_to)
      and (p_q is null or (coalesce(a.reason, '') || ' ' || a.context::text) ilike '%' || p_q || '%')
$$;
grant execute on function pg_temp.direct_count(text, text, uuid, timestamptz, timestamptz, text) to public;

select tests.authenticate_as('hr_admin', :'hr');
select is(
    (api.audit_logs_search() ->> 'total')::bigint, pg_temp.direct_count(null, null, null, null, null, null),
    'no filter: the total is exact'
);
select is(
    jsonb_array_length(api.audit_logs_search() -> 'rows'), 50, 'a page of 50 by default'
);
select is(
    (api.audit_logs_search(action => 'VOID_EVENT', "from" => now() - interval '10 days 3 hours 7 minutes',
        "to" => now() - interval '2 days 5 hours') ->> 'total')::bigint,
    pg_temp.direct_count(null, 'VOID_EVENT', null, now() - interval '10 days 3 hours 7 minutes',
        now() - interval '2 days 5 hours', null),
    'action and a range with partial days at both edges: whole days from the counts, edges counted'
);
select is(
    (api.audit_logs_search("from" => date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '5 days',
        "to" => date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') ->> 'total')::bigint,
    pg_temp.direct_count(null, null, null,
        date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '5 days',
        date_trunc('day', now() at time zone 'UTC') at time zone 'UTC', null),
    'a range of whole UTC days'
);
select is(
    (api.audit_logs_search("from" => now() - interval '3 hours', "to" => now() - interval '1 hour') ->> 'total')::bigint,
    pg_temp.direct_count(null, null, null, now() - interval '3 hours', now() - interval '1 hour', null),
    'a range inside one day'
);
select is(
    (api.audit_logs_search(actor => 'U-ANN', employee_id => :'max') ->> 'total')::bigint,
    pg_temp.direct_count('U-ANN', null, :'max', null, null, null),
    'actor and target employee'
);
select is(
    (api.audit_logs_search(actor => :'hr') ->> 'total')::bigint,
    pg_temp.direct_count('U-HR', null, null, null, null, null),
    'actor given as an employee id matches actor_employee_id'
);
select is(
    (api.audit_logs_search(q => '50% of') ->> 'total')::bigint, 60::bigint,
    'free text in reason (a % in q is a literal)'
);
select is(
    (api.audit_logs_search(q => '"n": 17') -> 'rows' -> 0 ->> 'entity_id'), '17',
    'free text in context'
);
select is(
    (select array_agg((r ->> 'id')::bigint) from jsonb_array_elements(
        api.audit_logs_search(action => 'UNLOCK_DAY', "limit" => 3, "offset" => 3) -> 'rows') as r),
    (select array_agg(id) from (select id from app.audit_logs where action = 'UNLOCK_DAY'
        order by created_at desc, id desc limit 3 offset 3) as x),
    'paging: newest first, limit and offset'
);
-- a free-text search counts at most audit_search_count_max matches and pages no deeper
select tests.set_setting('audit_search_count_max', '100');
select is(
    api.audit_logs_search(q => 'forgot to punch') - 'rows',
    '{"total": 100, "total_is_exact": false, "limit": 50, "offset": 0}'::jsonb,
    'a common word (540 matches): the count stops at the setting and says it is not exact'
);
select is(
    jsonb_array_length(api.audit_logs_search(q => 'forgot to punch', "offset" => 50) -> 'rows'), 50,
    'its pages up to the cap are served'
);
select is(
    api.audit_logs_search(q => '50% of') - 'rows',
    '{"total": 60, "total_is_exact": true, "limit": 50, "offset": 0}'::jsonb,
    'a text search matching fewer rows than the cap: exact total'
);
select is(
    api.audit_logs_search(q => 'forgot to punch', "from" => now() - interval '5 days') - 'rows',
    jsonb_build_object('total', pg_temp.direct_count(null, null, null, now() - interval '5 days', null, 'forgot to punch'),
        'total_is_exact', true, 'limit', 50, 'offset', 0),
    'narrowed by date below the cap: exact again'
);
select throws_ok(
    $$select api.audit_logs_search(q => 'forgot to punch', "offset" => 100)$$,
    'PT422', 'AUDIT_SEARCH_TOO_BROAD', 'attack: paging a common word past the cap (a deep offset scans every match)'
);
select is(
    api.audit_logs_search(action => 'VOID_EVENT', "offset" => 150, "limit" => 1) - 'rows',
    jsonb_build_object('total', pg_temp.direct_count(null, 'VOID_EVENT', null, null, null, null),
        'total_is_exact', true, 'limit', 1, 'offset', 150),
    'without q the cap does not apply: exact total, any offset'
);
select is(
    api.audit_logs_search(q => '50% of', "offset" => 60),
    '{"total": 60, "total_is_exact": true, "limit": 50, "offset": 60, "rows": []}'::jsonb,
    'a page past the last match: no rows, the exact total'
);
select is(
    current_setting('enable_indexscan') || '/' || current_setting('enable_bitmapscan'), 'on/on',
    'a search leaves the planner settings it changes (index and bitmap scans) as they were'
);
select throws_ok(
    $$select tests.set_setting('audit_search_count_max', '5')$$,
    'PT422', 'INVALID_ARGUMENT', 'the setting is bounded (100 to 1,000,000)'
);
select tests.set_setting('audit_search_count_max', '10000');
select throws_ok($$select api.audit_logs_search("limit" => 5000)$$, 'PT422', 'INVALID_ARGUMENT', 'limit is bounded');
select throws_ok($$select api.audit_logs_search(q => 'ab')$$, 'PT422', 'INVALID_ARGUMENT', 'q needs 3 characters');
select throws_ok(
    $$select api.audit_logs_search("from" => now(), "to" => now() - interval '1 day')$$,
    'PT422', 'INVALID_ARGUMENT', 'from after to is refused'
);
select throws_ok($$select api.audit_logs_search(action => 'drop table')$$, 'PT422', 'INVALID_ARGUMENT', 'action is a code');

-- CSV export
select api.audit_logs_export(q => '50% of', max_rows => 5) as csv \gset
select is(split_part(:'csv', e'\n', 1),
    'id,created_at,actor_slack_id,actor_employee_id,actor_role,target_employee_id,action,entity,entity_id,reason,before,after,context,request_id',
    'the export starts with its header');
select is(array_length(string_to_array(rtrim(:'csv', e'\n'), e'\n'), 1), 6, 'header + max_rows rows');
select ok(:'csv' like '%,"Badge reader was offline, 50% of the floor",%', 'a field with a comma is quoted');
select tests.clear_authentication();
select is(app.csv_field('=HYPERLINK("x")'), '"''=HYPERLINK(""x"")"', 'a formula is neutralised and quotes doubled');
select is(
    (select context ->> 'rows' from app.audit_logs where action = 'EXPORT_AUDIT_LOGS'), '5',
    'the export is audited with its filters and row count'
);

-- attacks: other roles
select tests.authenticate_as('approver', :'ann');
select throws_ok($$select api.audit_logs_search()$$, '42501', null, 'an approver cannot search the audit trail');
select throws_ok($$select app.audit_logs_search()$$, '42501', null, 'nor through the app function');
select throws_ok($$select app.purge_audit_logs_v1()$$, '42501', null, 'nor purge it');
select tests.clear_authentication();

-- retention: 30 days
select tests.set_setting('audit_retention_days', '30');
select throws_ok(
    $$delete from app.audit_logs where created_at < now() - interval '40 days'$$,
    'PT403', 'APPEND_ONLY', 'attack: a plain DELETE, even the owner''s, is refused'
);
select set_config('hithonix.audit_purge', 'on', true), set_config('hithonix.audit_purge_cutoff', (now() - interval '30 days')::text, true);
select throws_ok(
    $$delete from app.audit_logs where created_at > now() - interval '1 day'$$,
    'PT403', 'APPEND_ONLY', 'attack: the purge flag does not let a recent row go'
);
select set_config('hithonix.audit_purge', 'off', true);

select pg_temp.direct_count(null, null, null, null, now() - interval '30 days', null) as old_rows \gset
select is(
    (app.purge_audit_logs_v1() ->> 'deleted')::bigint, :'old_rows'::bigint,
    'the purge removes exactly the rows older than audit_retention_days'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'PURGE_AUDIT_LOGS'
        and actor_slack_id = 'system.retention' and (context ->> 'deleted')::bigint = :'old_rows'::bigint),
    1, 'and leaves one summary row saying what it removed'
);
select tests.authenticate_as('hr_admin', :'hr');
select is(
    (api.audit_logs_search() ->> 'total')::bigint, pg_temp.direct_count(null, null, null, null, null, null),
    'the per-day counts follow the purge: totals stay exact'
);
select tests.clear_authentication();
select throws_ok(
    $$update app.audit_logs set reason = 'rewritten'$$, 'PT403', 'APPEND_ONLY', 'audit rows are never updated'
);

select * from finish();
rollback;
