-- hr_admin maintains employees (audited); the manager chain cannot loop; an
-- inactive employee cannot punch.
begin;
select plan(11);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.authenticate_as('hr_admin', :'hr');

select api.upsert_employee('new@example.com', 'New Person', employee_number => 'E100') ->> 'id' as new \gset
select is((select full_name from api.employees where id = :'new'), 'New Person', 'upsert creates');
select is(
    api.upsert_employee('NEW@example.com', 'New P. Person', manager_employee_id => :'hr') ->> 'id', :'new',
    'upsert by e-mail (case-insensitive) updates the same employee'
);
select throws_ok(
    format($$select api.upsert_employee('hr@example.com', 'HR', manager_employee_id => %L)$$, :'new'),
    'PT422', 'MANAGER_CYCLE', 'a manager chain cannot loop'
);
select throws_ok($$select api.upsert_employee('not-an-email', 'X')$$, 'PT422', 'INVALID_ARGUMENT', 'a bad e-mail is refused');
select is(api.set_employee_role(:'new', 'approver', 'leads the team now') ->> 'role', 'approver', 'set_employee_role');
select throws_ok(
    format($$select api.set_employee_role(%L, 'superuser', 'why not')$$, :'new'),
    'PT422', 'INVALID_ARGUMENT', 'an unknown role is refused'
);
select is(api.deactivate_employee(:'new', 'left the company') ->> 'employment_status', 'INACTIVE', 'deactivate');
select tests.clear_authentication();

select is(
    (select array_agg(action order by id) from app.audit_logs where target_employee_id = :'new'),
    array['UPSERT_EMPLOYEE', 'UPSERT_EMPLOYEE', 'SET_EMPLOYEE_ROLE', 'DEACTIVATE_EMPLOYEE'],
    'every change is audited'
);

select throws_ok(
    $$insert into app.employees (email, full_name) values ('no-at-sign', 'X')$$, '23514', null,
    'the table itself refuses a malformed e-mail (imports and scripts too)'
);

select tests.authenticate_as('employee', :'new');
select throws_ok($$select api.clock_in(tests.plan())$$, 'PT403', 'EMPLOYEE_INACTIVE', 'an inactive employee cannot punch');
select tests.clear_authentication();
select tests.authenticate_as('employee', :'hr');
select throws_ok($$select api.upsert_employee('x@example.com', 'X')$$, '42501', null, 'an employee token cannot maintain employees');

select * from finish();
rollback;
