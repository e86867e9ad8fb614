-- The presence board (issue 15): who is on site, from daily_status and the
-- scan log; each reader sees what their role allows. Attacks: an employee or
-- a kiosk reading the board, an approver reading beyond their chain, a shift
-- left open past max_shift_hours counted as presence, out-of-range paging.
begin;
select plan(12);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('asha@example.com', null, 'approver') as asha \gset
select tests.create_employee('kim@example.com', :'asha') as kim \gset
select tests.create_employee('lee@example.com') as lee \gset
select tests.create_employee('old@example.com') as old \gset
update app.employees set department = 'Ops' where id in (:'kim', :'lee');
select tests.allow_backdating();
select tests.set_setting('one_clock_in_per_day', 'false');

select tests.authenticate_as('hr_admin', :'hr');
select (api.register_kiosk_device('Lobby', 'Lobby') ->> 'id') as lobby \gset
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select is(api.badge_scan('B-kim') ->> 'outcome', 'IN', 'kim badges in');
select is(api.badge_scan('B-lee') ->> 'outcome', 'IN', 'lee badges in');
select tests.clear_authentication();
-- old clocked in 21 hours ago from the web and never out: MISSING_CLOCK_OUT, not presence
select tests.authenticate_as('employee', :'old');
select lives_ok(
    $$select api.clock_in(tests.plan(), now() - interval '21 hours')$$, 'old clocked in 21 hours ago'
);
select tests.clear_authentication();

select tests.authenticate_as('hr_admin', :'hr');
select is(
    api.presence() -> 'counts',
    '{"on_site": 2, "by_status": {"ON_SHIFT": 2}, "by_department": {"Ops": 2}}',
    'hr_admin: two on site; the shift open past max_shift_hours is not presence'
);
select is(
    (select array_agg(r ->> 'location' order by r ->> 'full_name') from jsonb_array_elements(api.presence() -> 'rows') as r),
    array['Lobby', 'Lobby'], 'each row names the reader they came in through'
);
select is(
    jsonb_array_length(api.presence(page_size => 1, page => 2) -> 'rows'), 1, 'pages of page_size rows'
);
select throws_ok($$select api.presence(page_size => 501)$$, 'PT422', 'INVALID_ARGUMENT', 'page_size above 500 is a 422');
select throws_ok($$select api.presence(page => 0)$$, 'PT422', 'INVALID_ARGUMENT', 'page 0 is a 422');
select tests.clear_authentication();

select tests.authenticate_as('approver', :'asha');
select is(
    (select array_agg(r ->> 'full_name') from jsonb_array_elements(api.presence() -> 'rows') as r),
    array['kim'], 'an approver sees their chain only'
);
select tests.clear_authentication();

select tests.authenticate_as('employee', :'kim');
select throws_ok($$select api.presence()$$, '42501', null, 'an employee cannot read the board');
select throws_ok($$select app.presence()$$, '42501', null, 'nor the app function behind it');
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select throws_ok($$select api.presence()$$, '42501', null, 'nor can a kiosk');
select tests.clear_authentication();

select * from finish();
rollback;
