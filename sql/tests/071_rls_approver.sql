-- An approver sees their whole chain (direct and indirect reports) and can
-- unlock their reports' days, nothing outside it. Unlocks are audited, and a
-- later violation locks the day again.
begin;
select plan(10);

select tests.allow_backdating();
select tests.create_employee('boss@example.com', null, 'approver') as boss \gset
select tests.create_employee('lead@example.com', :'boss', 'approver') as lead \gset
select tests.create_employee('dev@example.com', :'lead') as dev \gset
select tests.create_employee('other@example.com') as other \gset

select tests.authenticate_as('employee', :'dev');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.clock_out(tests.ist('2026-11-20 17:00'));
select tests.clear_authentication();
select tests.authenticate_as('employee', :'other');
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
select api.clock_out(tests.ist('2026-11-20 17:00'));
select tests.clear_authentication();

select tests.authenticate_as('approver', :'boss');
select is(
    (select array_agg(id order by email) from api.employees),
    array[:'boss'::uuid, :'dev'::uuid, :'lead'::uuid],
    'the top approver sees self, direct and indirect reports'
);
select is((select array_agg(employee_id) from api.daily_status), array[:'dev'::uuid], 'and the chain''s days, not other''s');
select throws_ok(
    format($$select api.unlock_day(%L, '2026-11-20', 'left early for a doctor')$$, :'other'),
    'PT403', 'FORBIDDEN', 'an approver cannot unlock outside their chain'
);
select throws_ok(
    format($$select api.unlock_day(%L, '2026-11-20', 'x')$$, :'dev'),
    'PT422', 'INVALID_ARGUMENT', 'an unlock needs a reason'
);
select is(
    api.unlock_day(:'dev', '2026-11-20', 'left early for a doctor') ->> 'is_locked', 'false',
    'an approver unlocks an indirect report''s day'
);
select throws_ok(
    format($$select api.unlock_day(%L, '2026-11-20', 'again')$$, :'dev'),
    'PT409', 'DAY_NOT_LOCKED', 'an unlocked day cannot be unlocked again'
);
select tests.clear_authentication();

select is(
    (select count(*)::integer from app.audit_logs
     where action = 'UNLOCK_DAY' and target_employee_id = :'dev' and actor_employee_id = :'boss'
       and reason = 'left early for a doctor' and before ->> 'is_locked' = 'true'),
    1, 'the unlock is audited with actor, reason and before/after'
);
select is((select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0, 'the unlocked day still equals its recomputation');

-- a violation after the unlock locks again
select tests.authenticate_as('hr_admin', :'boss');
select tests.clear_authentication();
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'dev', 'BREAK_END', tests.ist('2026-11-20 16:00'), 'import', 'test');
select is((tests.day(:'dev', '2026-11-20')).lock_reason, 'BREAK_END_WITHOUT_START', 'a later violation locks the day again');

select tests.authenticate_as('approver', :'lead');
select is(
    (select array_agg(id order by email) from api.employees),
    array[:'dev'::uuid, :'lead'::uuid],
    'a middle approver sees only below them'
);

select * from finish();
rollback;
