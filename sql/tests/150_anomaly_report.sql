-- The anomaly report lists exactly the seeded anomalies, one of each kind,
-- with the events behind them, and never a clean day; hr_admin reads it through
-- the API, nobody else does.
begin;
select plan(9);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('clean@example.com') as clean \gset
select tests.create_employee('dup@example.com') as dup \gset
select tests.create_employee('brk@example.com') as brk \gset
select tests.create_employee('lun@example.com') as lun \gset
select tests.create_employee('gone@example.com') as gone \gset
select tests.create_employee('out@example.com') as outside \gset

insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
-- a clean day
(:'clean', 'CLOCK_IN', tests.ist('2026-11-20 10:00'), 'import', 't'),
(:'clean', 'BREAK_START', tests.ist('2026-11-20 12:00'), 'import', 't'),
(:'clean', 'BREAK_END', tests.ist('2026-11-20 12:10'), 'import', 't'),
(:'clean', 'CLOCK_OUT', tests.ist('2026-11-20 19:00'), 'import', 't'),
-- duplicate clock-in
(:'dup', 'CLOCK_IN', tests.ist('2026-11-20 10:00'), 'import', 't'),
(:'dup', 'CLOCK_IN', tests.ist('2026-11-20 10:05'), 'import', 't'),
(:'dup', 'CLOCK_OUT', tests.ist('2026-11-20 19:00'), 'import', 't'),
-- a break never ended before clock-out
(:'brk', 'CLOCK_IN', tests.ist('2026-11-20 10:00'), 'import', 't'),
(:'brk', 'BREAK_START', tests.ist('2026-11-20 16:00'), 'import', 't'),
(:'brk', 'CLOCK_OUT', tests.ist('2026-11-20 19:00'), 'import', 't'),
-- two lunches
(:'lun', 'CLOCK_IN', tests.ist('2026-11-20 10:00'), 'import', 't'),
(:'lun', 'LUNCH_START', tests.ist('2026-11-20 13:00'), 'import', 't'),
(:'lun', 'LUNCH_END', tests.ist('2026-11-20 13:30'), 'import', 't'),
(:'lun', 'LUNCH_START', tests.ist('2026-11-20 15:00'), 'import', 't'),
(:'lun', 'LUNCH_END', tests.ist('2026-11-20 15:10'), 'import', 't'),
(:'lun', 'CLOCK_OUT', tests.ist('2026-11-20 19:00'), 'import', 't'),
-- never clocked out
(:'gone', 'CLOCK_IN', tests.ist('2026-11-20 10:00'), 'import', 't'),
-- a punch outside any shift
(:'outside', 'BREAK_START', tests.ist('2026-11-20 08:00'), 'import', 't');

select is(
    (select array_agg(kind || ':' || employee_email order by kind) from app.anomaly_report('2026-11-20', '2026-11-20')),
    array[
        'DUPLICATE_CLOCK_IN:dup@example.com', 'EVENT_WITHOUT_SHIFT:out@example.com',
        'LUNCH_MISMATCH:lun@example.com', 'MISSING_CLOCK_OUT:gone@example.com', 'UNCLOSED_BREAK:brk@example.com'
    ],
    'exactly the seeded anomalies, one of each kind'
);
select ok(
    not exists (select 1 from app.anomaly_report() where employee_id = :'clean'),
    'the clean day is not reported'
);
select is(
    (select event_ids from app.anomaly_report() where kind = 'DUPLICATE_CLOCK_IN'),
    (select array_agg(id order by occurred_at) from app.attendance_events where employee_id = :'dup' and event_type = 'CLOCK_IN' and occurred_at > tests.ist('2026-11-20 10:01')),
    'the duplicate names the second CLOCK_IN'
);
select is(
    (select event_ids from app.anomaly_report() where kind = 'MISSING_CLOCK_OUT'),
    (select array_agg(id) from app.attendance_events where employee_id = :'gone'),
    'the missing clock-out names the open CLOCK_IN'
);
select is(
    (select message from app.anomaly_report() where kind = 'UNCLOSED_BREAK'),
    'brk (brk@example.com) started a break on 2026-11-20 and did not end it.',
    'each anomaly comes with a sentence'
);
select is((select count(*)::integer from app.anomaly_report('2026-11-21', null)), 0, 'the range filters');

select tests.authenticate_as('hr_admin', :'hr');
select is(jsonb_array_length(api.anomaly_report('2026-11-20', '2026-11-20')), 5, 'hr_admin reads it through the API');
select tests.clear_authentication();
select tests.authenticate_as('employee', :'dup');
select throws_ok($$select api.anomaly_report()$$, '42501', null, 'an employee cannot');
select tests.clear_authentication();
select tests.authenticate_as('approver', :'hr');
select throws_ok($$select api.anomaly_report()$$, '42501', null, 'nor an approver');

select * from finish();
rollback;
