-- The status board: counts by state and the page of rows that need attention,
-- for hr_admin (everyone) and an approver (their chain); employees and kiosks
-- are refused, page bounds are checked.
begin;
select plan(15);

select tests.allow_backdating();
select tests.create_employee('chief@example.com', null, 'hr_admin') as chief \gset
select tests.create_employee('boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('ann@example.com', :'boss') as ann \gset
select tests.create_employee('bob@example.com', :'boss') as bob \gset
select tests.create_employee('cat@example.com') as cat \gset

-- ann: a clean day (FLEXIBLE policy is not needed: 19:05 is after 7 PM)
select tests.authenticate_as('employee', :'ann');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.clock_out(tests.ist('2026-11-20 19:05'));
select tests.clear_authentication();
-- bob: leaves early, the day locks
select tests.authenticate_as('employee', :'bob');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.clock_out(tests.ist('2026-11-20 17:00'));
select tests.clear_authentication();
-- cat: clocked in long ago and never out (MISSING_CLOCK_OUT at read time)
select tests.authenticate_as('employee', :'cat');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 09:00'));
select tests.clear_authentication();

select tests.authenticate_as('hr_admin', :'chief');
select is(
    api.status_board('2026-11-20') -> 'counts',
    '{"total": 3, "on_shift": 1, "on_break": 0, "on_lunch": 0, "off_duty": 2, "locked": 1, "with_anomalies": 1,
      "missing_clock_out": 1, "sync_errors": 0, "needs_attention": 2}'::jsonb,
    'hr_admin: counts over the whole company'
);
select is(
    (select array_agg(a ->> 'full_name' order by a ->> 'employee_id')
     from jsonb_array_elements(api.status_board('2026-11-20') -> 'attention') as a),
    (select array_agg(e.full_name order by e.id) from app.employees as e where e.id in (:'bob', :'cat')),
    'the rows that need attention, with names, in employee id order: the locked day and the missing clock-out'
);
select is(
    (select a -> 'anomalies' from jsonb_array_elements(api.status_board('2026-11-20') -> 'attention') as a
     where a ->> 'full_name' = 'cat'),
    '["MISSING_CLOCK_OUT"]',
    'a missing clock-out is shown as an anomaly'
);
select is(
    (select array_agg(a ->> 'full_name' order by a ->> 'full_name') from (
        select jsonb_array_elements(api.status_board('2026-11-20', 1, 1) -> 'attention') as a
        union all
        select jsonb_array_elements(api.status_board('2026-11-20', 2, 1) -> 'attention')
    ) as pages),
    array['bob', 'cat'],
    'pages 1 and 2 of size 1 hold one row each'
);
select is(api.status_board('2026-11-21') -> 'counts' ->> 'total', '0', 'a date without rows counts nothing');
select throws_ok(
    $$select api.status_board('2026-11-20', 1, 501)$$, 'PT422', 'INVALID_ARGUMENT', 'page_size is at most 500'
);
select throws_ok(
    $$select api.status_board('2026-11-20', 0)$$, 'PT422', 'INVALID_ARGUMENT', 'pages count from 1'
);
select tests.clear_authentication();

select tests.authenticate_as('approver', :'boss');
select is(
    (api.status_board('2026-11-20') -> 'counts' ->> 'total')::integer, 2,
    'an approver counts their chain only'
);
select is(
    (select array_agg(a ->> 'full_name') from jsonb_array_elements(api.status_board('2026-11-20') -> 'attention') as a),
    array['bob'],
    'and sees only their chain''s rows'
);
select tests.clear_authentication();

-- one pooled connection, both roles: PL/pgSQL caches a generic plan after a
-- session's fifth call; the scope must hold whichever role called before
select tests.authenticate_as('hr_admin', :'chief');
select count(api.status_board('2026-11-20')) from generate_series(1, 7);
select tests.clear_authentication();
select tests.authenticate_as('approver', :'boss');
select is(
    (select array_agg(a ->> 'full_name') from jsonb_array_elements(api.status_board('2026-11-20') -> 'attention') as a),
    array['bob'],
    'after hr_admin''s calls on the same connection, an approver still sees only their chain (never cat)'
);
select is(
    (api.status_board('2026-11-20') -> 'counts' ->> 'total')::integer, 2,
    'and counts only their chain'
);
select count(api.status_board('2026-11-20')) from generate_series(1, 7);
select tests.clear_authentication();
select tests.authenticate_as('hr_admin', :'chief');
select is(
    (api.status_board('2026-11-20') -> 'counts' ->> 'needs_attention')::integer, 2,
    'after an approver''s calls on the same connection, hr_admin sees the whole company again'
);
select tests.clear_authentication();
select is(
    (select p.proconfig from pg_proc as p where p.oid = 'app.status_board(date, integer, integer)'::regprocedure),
    array['search_path=pg_catalog, pg_temp', 'plan_cache_mode=force_custom_plan'],
    'planned per call: a generic plan would keep the scope as a filter over the whole day'
);

select tests.authenticate_as('employee', :'ann');
select throws_ok($$select api.status_board('2026-11-20')$$, '42501', null, 'an employee has no board');
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "door-1"}');
select throws_ok(
    $$select api.status_board('2026-11-20')$$, '42501', null, 'a kiosk cannot even call it'
);

select * from finish();
rollback;
