-- app.settings_merged: the one stored copy of the merged settings that
-- app.policy() reads. Every write of app.settings (insert, update, delete, in
-- one statement or several) leaves it equal to the aggregate; it has one row;
-- clients can neither write it nor (except hr_admin) read it.
begin;
select plan(12);

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
