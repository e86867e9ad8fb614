-- The payroll period lock (issue 14, part 6): hr_admin locks and reopens
-- (audited); no client role writes period_locks directly; while a period is
-- closed nothing changes its attendance, whatever the path: a live punch, an
-- admin event or VOID, an adjustment or leave approval, the owner's direct
-- insert, the import and bulk paths, a daily_status write, the backfill's
-- move. The worker's sync outcome still lands; reopening allows writes again.
begin;
select plan(46);

select tests.allow_backdating();
select tests.create_employee('hra@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('mgr@example.com', null, 'approver') as mgr \gset
select tests.create_employee('max@example.com', :'mgr') as max \gset
select tests.create_employee('pat@example.com', :'mgr') as pat \gset
select tests.create_employee('sam@example.com', :'mgr') as sam \gset
select tests.today() - 9 as l, tests.next_monday() as mon \gset

-- before the lock: max's day L, a pending adjustment for it, a pending leave
select tests.authenticate_as('employee', :'max');
select api.clock_in(tests.plan(), tests.ist(:'l' || ' 10:00')) -> 'event' ->> 'id' as in_id \gset
select api.clock_out(tests.ist(:'l' || ' 19:30')) -> 'event' ->> 'id' as out_id \gset
select (api.request_adjustment(:'l', 'ADD_PUNCHES', 'forgot my break', jsonb_build_array(
    jsonb_build_object('event_type', 'BREAK_START', 'occurred_at', tests.ist(:'l' || ' 13:00')),
    jsonb_build_object('event_type', 'BREAK_END', 'occurred_at', tests.ist(:'l' || ' 13:15'))
)) ->> 'id')::bigint as r1 \gset
select tests.create_employee('lou@example.com', :'mgr') as lou \gset
select tests.authenticate_as('employee', :'lou');
select api.clock_in(tests.plan(), tests.ist(:'l' || ' 10:00'));
select api.clock_out(tests.ist(:'l' || ' 17:00'));
select tests.clear_authentication();
select tests.grant_leave(:'max', 'ANNUAL', 5);
select tests.authenticate_as('employee', :'max');
select (api.request_leave('ANNUAL', :'mon', :'mon', false, false, 'trip') ->> 'id')::bigint as lr \gset
select throws_ok(
    format($$select api.lock_period(%L, %L, 'payroll')$$, :'l', :'l'), '42501', null, 'an employee cannot lock a period'
);

select tests.authenticate_as('hr_admin', :'hr');
select (api.lock_period(:'l'::date - 1, :'l'::date + 1, 'November payroll') ->> 'id')::bigint as p1 \gset
select (api.lock_period(:'mon', :'mon', 'payroll run ahead of the leave') ->> 'id')::bigint as p2 \gset
select throws_ok(
    format($$select api.lock_period(%L, %L, 'overlapping')$$, :'l', :'l'::date + 5),
    'PT409', 'PERIOD_LOCK_OVERLAP', 'active locks never overlap'
);
select throws_ok(
    format($$select api.lock_period(%L, %L, 'backwards')$$, :'l', :'l'::date - 3),
    'PT422', 'INVALID_ARGUMENT', 'date_from must not be after date_to'
);
select throws_ok(
    format($$select api.lock_period(%L, %L, 'a year and more')$$, '2025-01-01', '2026-06-01'),
    'PT422', 'INVALID_ARGUMENT', 'a lock spans at most 366 days'
);
select throws_ok(
    format($$select api.lock_period(%L, %L, '')$$, '2025-01-01', '2025-01-31'),
    'PT422', 'INVALID_ARGUMENT', 'a lock needs a reason'
);
select throws_ok(
    $$insert into app.period_locks (date_from, date_to, reason, locked_by) values ('2025-01-01', '2025-01-31', 'direct', 'me')$$,
    '42501', null, 'hr_admin cannot insert into period_locks directly'
);
select throws_ok(
    format($$update app.period_locks set reopened_at = now(), reopened_by = 'me', reopen_reason = 'flip' where id = %s$$, :p1),
    '42501', null, 'nor flip a lock directly'
);
select tests.authenticate_as('approver', :'mgr');
select throws_ok(
    format($$select api.unlock_period(%s, 'approver tries')$$, :p1), '42501', null, 'an approver cannot reopen a period'
);
select throws_ok(
    format($$delete from app.period_locks where id = %s$$, :p1), '42501', null, 'a client role cannot delete a lock'
);
select is(
    (select array_agg(id order by id) from api.period_locks where active), array[:p1, :p2]::bigint[],
    'everyone may see which periods are closed'
);

-- every path into the closed period is refused
select tests.authenticate_as('employee', :'pat');
select throws_ok(
    format($$select api.clock_in(tests.plan(), %L)$$, tests.ist(:'l' || ' 10:00')),
    'PT409', 'PERIOD_LOCKED', 'a live punch dated in a closed period'
);
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    format($$select api.add_event(%L, 'BREAK_START', %L, 'admin fix')$$, :'max', tests.ist(:'l' || ' 13:00')),
    'PT409', 'PERIOD_LOCKED', 'an admin-added event'
);
select throws_ok(
    format($$select api.void_event(%s, 'admin void')$$, :out_id), 'PT409', 'PERIOD_LOCKED', 'an admin VOID'
);
select throws_ok(
    format($$select api.unlock_day(%L, %L, 'exempt')$$, :'lou', :'l'), 'PT409', 'PERIOD_LOCKED',
    'an unlock of a (policy-locked) day in it'
);
select tests.authenticate_as('approver', :'mgr');
select throws_ok(
    format($$select api.approve_adjustment(%s)$$, :r1), 'PT409', 'PERIOD_LOCKED', 'an adjustment approval'
);
select throws_ok(
    format($$select api.approve_leave(%s, 'enjoy')$$, :lr), 'PT409', 'PERIOD_LOCKED', 'a leave approval'
);
select is(api.reject_leave(:lr, 'not this week') ->> 'status', 'REJECTED', 'a rejection changes no attendance: allowed');
select tests.authenticate_as('employee', :'max');
select throws_ok(
    format($$select api.request_adjustment(%L, 'EXEMPT_LOCK', 'exempt please')$$, :'l'),
    'PT409', 'PERIOD_LOCKED', 'a new adjustment request for a closed date'
);
select tests.clear_authentication();

-- the owner's scripts too
select throws_ok(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
      values (%L, 'BREAK_START', %L, 'admin', 'script')$$, :'max', tests.ist(:'l' || ' 12:00')),
    'PT409', 'PERIOD_LOCKED', 'the owner''s direct insert'
);
select throws_ok(
    format($$select app.import_events_v1(array[%L]::uuid[], array['CLOCK_IN']::app.event_type[], array[%L]::timestamptz[], 'script')$$,
        :'pat', tests.ist(:'l' || ' 09:00')),
    'PT409', 'PERIOD_LOCKED', 'the set-based import path'
);
select throws_ok(
    format($$select app.lock_employees(array[%L]::uuid[]), app.insert_events_bulk(
        array[%L, %L]::uuid[], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[], array[%L, %L]::timestamptz[], null, 'script')$$,
        :'pat', :'pat', :'pat', tests.ist(:'l' || ' 09:00'), tests.ist(:'l' || ' 18:00')),
    'PT409', 'PERIOD_LOCKED', 'the bulk path (one check per statement)'
);
select lives_ok(
    format($$select app.lock_employees(array[%L]::uuid[]), app.insert_events_bulk(
        array[%L, %L]::uuid[], array['CLOCK_IN', 'CLOCK_IN']::app.event_type[], array[%L, %L]::timestamptz[], null, 'script')$$,
        :'pat', :'pat', :'pat', tests.ist((:'l'::date - 5) || ' 09:00'), tests.ist((:'l'::date + 5) || ' 09:00')),
    'a bulk statement whose dates straddle the closed period without touching it is allowed'
);
select throws_ok(
    format($$update app.daily_status set worked_minutes = 1, worked_seconds = 60 where employee_id = %L and business_date_ist = %L$$, :'max', :'l'),
    'PT409', 'PERIOD_LOCKED', 'a daily_status write'
);
select throws_ok(
    format($$delete from app.daily_status where employee_id = %L and business_date_ist = %L$$, :'max', :'l'),
    'PT409', 'PERIOD_LOCKED', 'a daily_status delete'
);
select throws_ok(
    format($$insert into app.adjustment_decisions (employee_id, adjustment_request_id, decision, decided_by)
      values (%L, %s, 'APPROVED', 'script')$$, :'max', :r1),
    'PT409', 'PERIOD_LOCKED', 'an approval row written directly'
);
select throws_ok(
    format($$select set_config('hithonix.backfill_business_date', 'on', true);
      update app.attendance_events set business_date_ist = business_date_ist + 1 where id = %s$$, :in_id),
    'PT409', 'PERIOD_LOCKED', 'the backfill''s move of a business date'
);
select set_config('hithonix.backfill_business_date', 'off', true);
select throws_ok(
    format($$insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, leave_request_id, created_by)
      values (%L, 'ANNUAL', 'CONSUMPTION', -1, %L, %s, 'script')$$, :'max', :'mon', :lr),
    'PT409', 'PERIOD_LOCKED', 'a leave ledger row for a request in a closed period'
);

-- the worker's outcome for an event of the closed day still lands, and
-- changes has_sync_errors alone: the shift's end moved after the lock (a
-- replay would now find max's 19:30 clock-out early and lock the day)
update app.settings set value = '{"start": "10:00", "end": "20:00"}' where key = 'general_shift';
select to_jsonb(tests.day(:'max', :'l')) - 'has_sync_errors' - 'updated_at' as closed_day \gset
set local role hithonix_worker;
select lives_ok(
    format($$update app.attendance_events set sync_status = 'FAILED', attempt_count = 1, last_sync_error = 'HTTP 503',
      last_attempt_at = now() where id = %s$$, :in_id),
    'the worker records a sync failure for a punch in a closed period'
);
reset role;
select ok((tests.day(:'max', :'l')).has_sync_errors, 'and the day shows it');
select is(
    to_jsonb(tests.day(:'max', :'l')) - 'has_sync_errors' - 'updated_at', :'closed_day'::jsonb,
    'and nothing else of the closed day changed, though a replay under today''s settings would lock it'
);
update app.settings set value = '{"start": "10:00", "end": "19:00"}' where key = 'general_shift';
select is(
    (select count(*)::integer from app.attendance_events where employee_id = :'max'), 2,
    'nothing reached max''s ledger while the period was closed'
);
select throws_ok(format($$delete from app.period_locks where id = %s$$, :p1), 'PT403', 'APPEND_ONLY', 'a lock is never deleted, owner included');
select throws_ok(
    format($$update app.period_locks set date_to = date_to + 1 where id = %s$$, :p1),
    'PT403', 'PERIOD_LOCK_IMMUTABLE', 'a lock''s range never changes'
);

-- reopening: allowed again
select tests.authenticate_as('hr_admin', :'hr');
select ok(
    (api.unlock_period(:p1, 'payroll rerun: late adjustments') ->> 'reopened_at') is not null, 'hr_admin reopens the period'
);
select throws_ok(
    format($$select api.unlock_period(%s, 'again')$$, :p1), 'PT409', 'PERIOD_LOCK_REOPENED', 'a lock is reopened once'
);
select throws_ok($$select api.unlock_period(999999999, 'ghost')$$, 'PT404', 'PERIOD_LOCK_NOT_FOUND', 'an unknown lock is 404');
select throws_ok(format($$select api.unlock_period(%s, '')$$, :p2), 'PT422', 'INVALID_ARGUMENT', 'reopening needs a reason');
select tests.authenticate_as('approver', :'mgr');
select is(api.approve_adjustment(:r1) -> 'request' ->> 'status', 'APPROVED', 'after the reopen the adjustment is approved');
select tests.authenticate_as('employee', :'sam');
select lives_ok(
    format($$select api.clock_in(tests.plan(), %L)$$, tests.ist(:'l' || ' 10:00')), 'and a punch dated in it is accepted'
);
select tests.authenticate_as('hr_admin', :'hr');
select lives_ok(
    format($$select api.lock_period(%L, %L, 'closed again after the rerun')$$, :'l'::date - 1, :'l'::date + 1),
    'a reopened range can be locked again'
);
select tests.clear_authentication();

select is(
    (select array_agg(action order by id) from app.audit_logs where entity = 'period_locks'),
    array['PERIOD_LOCK', 'PERIOD_LOCK', 'PERIOD_UNLOCK', 'PERIOD_LOCK'], 'locks and reopens are audited'
);
select is(
    (select reason from app.audit_logs where action = 'PERIOD_UNLOCK'), 'payroll rerun: late adjustments',
    'the reopen is audited with its reason'
);
select is((select count(*)::integer from app.daily_status_differences(:'l'::date - 10, tests.today())), 0, 'stored equals recomputed');
select is(app.ledger_first_break(:'max', null, null), null, 'max''s chain holds');
select is(app.ledger_first_break(:'pat', null, null), null, 'pat''s chain holds (the bulk rows included)');
select is(app.ledger_first_break(:'sam', null, null), null, 'sam''s chain holds');

select * from finish();
rollback;
