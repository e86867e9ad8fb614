-- Rate limits in the pre-request function: a burst over the limit is refused
-- with 429 RATE_LIMITED and a Retry-After header (PostgREST's PGRST error:
-- body and status/headers as JSON), per actor and per class; a punch is in no
-- class; a new window starts afresh; the counters are out of every client's
-- reach. The 8-session concurrent burst is tests/test_rate_limit.py.
begin;
select plan(20);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('hr2@example.com', null, 'hr_admin') as hr2 \gset
select tests.create_employee('max@example.com') as max \gset
select tests.set_setting('rate_limit_admin_writes', '{"limit": 3, "window_seconds": 3600}');
select tests.set_setting('rate_limit_imports', 'null');

-- One request's pre-request as PostgREST runs it: the refusal's SQLSTATE,
-- body and status/headers, or 'ok'.
create function pg_temp.request(p_role text, p_emp uuid, p_method text, p_path text) returns jsonb
language plpgsql as $$
begin
    perform tests.authenticate_as(p_role, p_emp);
    perform set_config('request.method', p_method, true);
    perform set_config('request.path', p_path, true);
    perform app.pre_request();
    perform tests.clear_authentication();
    return '"ok"';
exception when others then
    perform tests.clear_authentication();
    return jsonb_build_object('sqlstate', sqlstate, 'message', sqlerrm) || case
        when sqlstate = 'PGRST' then jsonb_build_object('body', sqlerrm::jsonb) else '{}' end;
end
$$;
create function pg_temp.detail_of(p_role text, p_emp uuid, p_path text) returns jsonb
language plpgsql as $$
declare
    v_detail text;
begin
    perform tests.authenticate_as(p_role, p_emp);
    perform set_config('request.method', 'POST', true);
    perform set_config('request.path', p_path, true);
    perform app.pre_request();
    perform tests.clear_authentication();
    return null;
exception when others then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform tests.clear_authentication();
    return v_detail::jsonb;
end
$$;

select is(
    array[
        pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/upsert_employee'),
        pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/void_event'),
        pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/set_employee_role')
    ],
    array['"ok"', '"ok"', '"ok"']::jsonb [],
    'three admin writes pass (the limit is 3 per hour)'
);
select is(
    pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/add_event') -> 'body' ->> 'message', 'RATE_LIMITED',
    'the fourth admin write is refused RATE_LIMITED'
);
select is(
    pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/add_event') ->> 'sqlstate', 'PGRST',
    'raised as PostgREST''s PGRST error, the one that can carry headers'
);
select is(
    (pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/add_event') -> 'body') - 'details' - 'hint',
    '{"code": "PT429", "message": "RATE_LIMITED"}',
    'the body keeps the shape of every other error (code PT429, message = the code)'
);
select ok(
    ((pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/add_event') -> 'body' ->> 'hint')::jsonb ->> 'retry_after_seconds')::integer
    between 1 and 3600,
    'the hint says when to retry'
);
select is(
    (pg_temp.detail_of('hr_admin', :'hr', '/rpc/add_event') ->> 'status')::integer, 429,
    'HTTP status 429'
);
select ok(
    (pg_temp.detail_of('hr_admin', :'hr', '/rpc/add_event') -> 'headers' ->> 'Retry-After')::integer between 1 and 3600,
    'with a Retry-After header (seconds to the next window)'
);
select is(
    (select hits from app.rate_limit_counters where actor = :'hr' and call_class = 'admin_writes'), 3,
    'refused calls are not counted (the 429 rolls its own bump back)'
);
select is(
    pg_temp.request('hr_admin', :'hr2', 'POST', '/rpc/add_event'), '"ok"',
    'another actor has a counter of their own'
);
select is(
    pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/import_prepare'), '"ok"',
    'another class is counted apart (and a null limit means none)'
);
select is(
    pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/clock_in'), '"ok"',
    'a punch is in no class: never limited'
);
select is(
    pg_temp.request('hr_admin', :'hr', 'GET', '/audit_logs'), '"ok"',
    'a GET is in no class'
);
select is(
    (select count(*)::integer from app.rate_limit_counters where actor = :'hr'), 1,
    'punches, GETs and unlimited classes leave no counter row'
);

-- the window passes: the counter starts again
update app.rate_limit_counters set window_start = window_start - interval '2 hours' where actor = :'hr';
select is(pg_temp.request('hr_admin', :'hr', 'POST', '/rpc/add_event'), '"ok"', 'a new window starts afresh');
select is(
    (select hits from app.rate_limit_counters where actor = :'hr' and call_class = 'admin_writes'), 1,
    'with a count of one'
);

-- attacks: the counters and the counting function are out of reach
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    $$delete from app.rate_limit_counters$$, '42501', null, 'hr_admin cannot reset the counters'
);
select throws_ok(
    $$select app.rate_limit_hit('admin_writes')$$, '42501', null, 'nor call the counting function'
);
select tests.clear_authentication();
select throws_ok(
    $$update app.settings set value = '{"limit": 0, "window_seconds": 60}' where key = 'rate_limit_exports'$$,
    'PT422', 'INVALID_ARGUMENT', 'a limit must be at least 1, even from the owner (null for none)'
);

-- every hr_admin-only write of the api is in a class (a new one must be classified)
select is(
    (select array_agg(p.proname::text order by p.proname)
     from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
     where n.nspname = 'api' and p.provolatile = 'v'
       and has_function_privilege('hr_admin', p.oid, 'execute')
       and not has_function_privilege('approver', p.oid, 'execute')
       and not has_function_privilege('kiosk', p.oid, 'execute')
       and app.rate_limit_class('POST', '/rpc/' || p.proname) is null),
    null,
    'every hr_admin-only VOLATILE api function is rate-limited (imports, exports or admin_writes)'
);
select is(
    (select relpersistence::text from pg_class where oid = 'app.rate_limit_counters'::regclass), 'u',
    'the counters are UNLOGGED (no WAL)'
);

select * from finish();
rollback;
