-- app.settings_merged: the one stored copy of the merged settings that
-- app.policy() reads. Every write of app.settings (insert, update, delete, in
-- one statement or several) leaves it equal to the aggregate; it has one row;
-- clients can neither write it nor (except hr_admin) read it.
begin;
select plan(16);

create temporary view merged_now as
select coalesce(jsonb_object_agg(s.key, s.value), '{}') as value from app.settings as s;
grant select on merged_now to public;

select is((select m.value from app.settings_merged as m), (select value from merged_now), 'migrated: equal to the settings');
select is((select count(*)::integer from app.settings_merged), 1, 'one row');

update app.settings set value = '25' where key = 'break_allowance_minutes';
select is((select m.value ->> 'break_allowance_minutes' from app.settings_merged as m), '25', 'an update is merged');
select tests.create_employee('mia@example.com') as mia \gset
select is(app.policy(:'mia') ->> 'break_allowance_minutes', '25', 'app.policy reads the merged value');

insert into app.settings (key, value, description) values ('punch3_probe', '1', 'a probe');
select is((select m.value -> 'punch3_probe' from app.settings_merged as m), '1'::jsonb, 'an insert is merged');
delete from app.settings where key = 'punch3_probe';
select is((select m.value ? 'punch3_probe' from app.settings_merged as m), false, 'a delete is merged');

-- several rows in one statement
update app.settings set value = case key when 'break_allowance_minutes' then '31'::jsonb else '41'::jsonb end
where key in ('break_allowance_minutes', 'lunch_allowance_minutes');
select is((select m.value from app.settings_merged as m), (select value from merged_now), 'a multi-row update is merged');

-- the shift_config override still wins over the merged settings
update app.employees set shift_config = '{"break_allowance_minutes": 12}' where id = :'mia';
select is(app.policy(:'mia') ->> 'break_allowance_minutes', '12', 'shift_config overrides the merged settings');

-- the live punch's part: the same value as app.policy for every listed key
select is(
    (select count(*)::integer from unnest(app.live_policy_keys()) as k
     where app.policy_of(:'mia', true) -> k is distinct from app.policy(:'mia') -> k),
    0, 'the live part agrees with policy on every live key'
);
select is(
    (select m.live from app.settings_merged as m),
    (select jsonb_object_agg(s.key, s.value) from app.settings as s where s.key = any(app.live_policy_keys())),
    'the live part follows the writes too'
);
-- every key the live punch's functions read is listed (else live_policy would
-- hand them a NULL where policy had a value)
select is(
    (select array_agg(distinct k order by k) from (
        select (regexp_matches(p.prosrc, '[pv]_policy\s*->>?\s*''([a-z_]+)''', 'g'))[1] as k
        from pg_proc as p
        where p.oid in (
            'app.record_punch(uuid, app.event_type, timestamptz, text, text, text, text, boolean, jsonb)'::regprocedure,
            'app.apply_live_punch(app.attendance_events)'::regprocedure,
            'app.step_day(app.daily_status, app.attendance_events, jsonb)'::regprocedure,
            'app.require_punch_window(timestamptz, jsonb)'::regprocedure
        )
    ) as used where k <> all(app.live_policy_keys())),
    null::text [],
    'the live punch reads only keys that the live part carries'
);
select cmp_ok(
    (select count(distinct m.k[1])::integer
     from pg_proc as p
     cross join lateral regexp_matches(p.prosrc, '[pv]_policy\s*->>?\s*''([a-z_]+)''', 'g') as m (k)
     where p.oid = 'app.step_day(app.daily_status, app.attendance_events, jsonb)'::regprocedure),
    '>=', 5, 'the key scan does see step_day''s reads (the test above can fail)'
);

-- attacks: a second row, a client write, a client read
select throws_ok(
    $$insert into app.settings_merged (id, value) values (false, '{}')$$,
    '23514', null, 'no second row'
);
select tests.authenticate_as('employee', :'mia');
select throws_ok(
    $$update app.settings_merged set value = '{}'$$, '42501', null, 'an employee cannot write the merged settings'
);
select throws_ok(
    $$select value from app.settings_merged$$, '42501', null, 'an employee cannot read the merged settings'
);
select tests.authenticate_as('hr_admin', tests.create_employee('hana@example.com', null, 'hr_admin'));
select is((select m.value ->> 'lunch_allowance_minutes' from app.settings_merged as m), '41', 'hr_admin reads it');
select tests.clear_authentication();

select * from finish();
rollback;
