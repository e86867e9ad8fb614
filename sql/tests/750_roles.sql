-- Role provisioning in batches: hr_admin only; all or nothing; one audit row
-- per employee changed; assign raises, unassign steps down; the last active
-- hr_admin stays, whatever the path (batch, set_employee_role, deactivate,
-- owner). The concurrent race is tests/test_roles_concurrency.py.
begin;
select plan(19);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('ann@example.com') as ann \gset
select tests.create_employee('bob@example.com') as bob \gset
select tests.create_employee('cat@example.com', null, 'approver') as cat \gset

select tests.authenticate_as('hr_admin', :'hr');
select is(
    api.assign_roles(array[:'ann', :'bob', :'cat', :'ann']::uuid [], 'approver', 'team leads from December'),
    jsonb_build_object(
        'role', 'approver',
        'changed', (select jsonb_agg(x order by x) from unnest(array[:'ann', :'bob']) as x),
        'unchanged', jsonb_build_array(:'cat')
    ),
    'assign raises ann and bob; cat already holds it (duplicates count once)'
);
select throws_ok(
    format($$select api.assign_roles(array[%L, %L]::uuid [], 'hr_admin')$$, :'ann', gen_random_uuid()),
    'PT404', 'EMPLOYEE_NOT_FOUND', 'one unknown id refuses the whole batch'
);
select is((select role::text from app.employees where id = :'ann'), 'approver', '… and nothing of it was applied');
select throws_ok(
    format($$select api.assign_roles(array[%L]::uuid [], 'superuser')$$, :'ann'),
    'PT422', 'INVALID_ARGUMENT', 'an unknown role is refused'
);
select throws_ok(
    $$select api.assign_roles('{}'::uuid [], 'approver')$$, 'PT422', 'INVALID_ARGUMENT', 'an empty list is refused'
);
select throws_ok(
    $$select api.assign_roles(array(select gen_random_uuid() from generate_series(1, 1001)), 'approver')$$,
    'PT422', 'INVALID_ARGUMENT', 'more than 1000 ids are refused'
);
select throws_ok(
    format($$select api.unassign_roles(array[%L]::uuid [], 'employee')$$, :'ann'),
    'PT422', 'INVALID_ARGUMENT', 'the base role cannot be taken'
);
select is(
    api.unassign_roles(array[:'ann', :'hr']::uuid [], 'approver') -> 'changed', jsonb_build_array(:'ann'),
    'unassign approver: ann steps down; hr (hr_admin, not approver) is unchanged'
);
select throws_ok(
    format($$select api.unassign_roles(array[%L]::uuid [], 'hr_admin')$$, :'hr'),
    'PT409', 'LAST_HR_ADMIN', 'the last hr_admin cannot remove their own admin role'
);
select throws_ok(
    format($$select api.set_employee_role(%L, 'employee', 'stepping down')$$, :'hr'),
    'PT409', 'LAST_HR_ADMIN', 'nor through set_employee_role'
);
select throws_ok(
    format($$select api.deactivate_employee(%L, 'leaving')$$, :'hr'),
    'PT409', 'LAST_HR_ADMIN', 'nor by being deactivated'
);
select lives_ok(
    format($$select api.assign_roles(array[%L]::uuid [], 'hr_admin', 'second admin')$$, :'bob'),
    'a second hr_admin'
);
select is(
    api.unassign_roles(array[:'hr']::uuid [], 'hr_admin', 'handing over') -> 'changed', jsonb_build_array(:'hr'),
    'now hr may step down (to approver)'
);
select throws_ok(
    format($$select api.unassign_roles(array[%L]::uuid [], 'hr_admin')$$, :'bob'),
    'PT409', 'LAST_HR_ADMIN', 'bob is the last one now'
);
select tests.clear_authentication();

select is(
    (select array_agg(action || ':' || (before ->> 'role') || '>' || (after ->> 'role') order by id)
     from app.audit_logs where target_employee_id = :'ann'),
    array['ASSIGN_ROLE:employee>approver', 'UNASSIGN_ROLE:approver>employee'],
    'one audit row per employee changed, with the role before and after'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'ASSIGN_ROLE' and target_employee_id = :'cat'),
    0, 'no audit row for an employee left unchanged'
);

select throws_ok(
    format($$update app.employees set role = 'employee' where id = %L$$, :'bob'),
    'PT409', 'LAST_HR_ADMIN', 'even the owner cannot remove the last active hr_admin'
);

select tests.authenticate_as('approver', :'cat');
select throws_ok(
    format($$select api.assign_roles(array[%L]::uuid [], 'hr_admin')$$, :'cat'),
    '42501', null, 'attack: an approver cannot promote themselves'
);
select tests.clear_authentication();
select tests.authenticate_as('employee', :'ann');
select throws_ok(
    format($$select app.assign_roles(array[%L]::uuid [], 'hr_admin')$$, :'ann'),
    '42501', null, 'attack: nor an employee through the app function'
);
select tests.clear_authentication();

select * from finish();
rollback;
