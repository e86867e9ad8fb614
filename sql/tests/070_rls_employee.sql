-- An employee sees and acts on their own rows only.
begin;
select plan(9);

select tests.allow_backdating();
select tests.create_employee('amy@example.com') as amy \gset
select tests.create_employee('bob@example.com') as bob \gset

select tests.authenticate_as('employee', :'bob');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select tests.clear_authentication();

select tests.authenticate_as('employee', :'amy');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:05'));
select is((select array_agg(distinct employee_id) from api.attendance_events), array[:'amy'::uuid], 'amy sees only her own events');
select is((select array_agg(employee_id) from api.daily_status), array[:'amy'::uuid], 'amy sees only her own day');
select is((select array_agg(id) from api.employees), array[:'amy'::uuid], 'amy sees only herself among employees');
select is((select count(*)::integer from app.attendance_events where employee_id = :'bob'), 0, 'even querying the table directly, bob''s rows are invisible');
select is(
    (select attendance_number from api.employees where id = :'amy'), null,
    'integration identifiers are hidden from an employee'
);
select throws_ok($$select * from api.audit_logs$$, '42501', null, 'an employee cannot read the audit trail');
select throws_ok(
    format($$select api.unlock_day(%L, '2026-11-20', 'because')$$, :'bob'),
    '42501', null, 'an employee cannot unlock anyone''s day'
);
select throws_ok(
    format($$select api.add_event(%L, 'CLOCK_OUT', now(), 'because')$$, :'bob'),
    '42501', null, 'an employee cannot add events for bob'
);
-- the punch acts for the token's employee, whatever else is sent
select is(
    api.break_start(tests.ist('2026-11-20 11:00'), null, 'web', :'bob') -> 'event' ->> 'employee_id',
    :'amy',
    'a punch always acts for the caller'
);

select * from finish();
rollback;
