-- The business-date backfill is the only way a business column changes: it
-- fixes exactly the mismatched rows as the owner, audits each, re-derives the
-- days; everything else still refuses the update.
begin;
select plan(15);

select tests.create_employee('nia@example.com', null, 'employee', 'NIGHT') as nia \gset
-- history imported out of order: the 00:30 break arrives before the 22:00 clock-in
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'nia', 'BREAK_START', tests.ist('2026-11-21 00:30'), 'import', 'test');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'nia', 'CLOCK_IN', tests.ist('2026-11-20 22:00'), 'import', 'test');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'nia', 'CLOCK_OUT', tests.ist('2026-11-21 06:00'), 'import', 'test');
select id as brk from app.attendance_events where event_type = 'BREAK_START' \gset

select is(
    (select array_agg(id) from app.business_date_mismatches()), array[:brk::bigint],
    'the break stored on 21 Nov belongs to the night shift of 20 Nov'
);

-- a closed payroll period: the dry run names the lock before --apply stops there
insert into app.period_locks (date_from, date_to, reason, locked_by)
values ('2026-10-01', '2026-10-31', 'October payroll', 'test');
select is(
    (select period_lock_id from app.business_date_mismatches() where id = :brk), null,
    'a lock on another period does not mark the row'
);
insert into app.period_locks (date_from, date_to, reason, locked_by)
values ('2026-11-20', '2026-11-20', 'one closed day', 'test') returning id as nov_lock \gset
select is(
    (select period_lock_id from app.business_date_mismatches() where id = :brk), :'nov_lock'::bigint,
    'a lock on the computed date (where the row would move to) marks it'
);
select throws_ok(
    'select * from app.backfill_business_dates_v1(100)', 'PT409', 'PERIOD_LOCKED',
    'and --apply is refused there, as the dry run said'
);
update app.period_locks set reopened_at = now(), reopened_by = 'test', reopen_reason = 'rerun' where id = :nov_lock;
select is(
    (select period_lock_id from app.business_date_mismatches() where id = :brk), null,
    'a reopened lock marks nothing'
);

-- nobody else may move it
set local role hr_admin;
select set_config('hithonix.backfill_business_date', 'on', true);
select throws_ok(format($$update app.attendance_events set business_date_ist = '2026-11-20' where id = %s$$, :brk), '42501', null, 'hr_admin cannot, even with the backfill switch on');
reset role;
set local role hithonix_worker;
select throws_ok(format($$update app.attendance_events set business_date_ist = '2026-11-20' where id = %s$$, :brk), '42501', null, 'the worker cannot either');
reset role;
select set_config('hithonix.backfill_business_date', 'off', true);
select throws_ok(format($$update app.attendance_events set business_date_ist = '2026-11-20' where id = %s$$, :brk), 'PT403', 'LEDGER_APPEND_ONLY', 'the owner cannot outside the backfill');
select set_config('hithonix.backfill_business_date', 'on', true);
select throws_ok(format($$update app.attendance_events set business_date_ist = '2026-11-20', occurred_at = now() where id = %s$$, :brk), 'PT403', 'LEDGER_APPEND_ONLY', 'the backfill switch frees business_date_ist and nothing else');
select set_config('hithonix.backfill_business_date', 'off', true);

select is(
    (select array_agg(row(id, before, after)::text) from app.backfill_business_dates_v1(100)),
    array[row(:brk::bigint, '2026-11-21'::date, '2026-11-20'::date)::text],
    'apply fixes exactly the mismatched row'
);
select is((select business_date_ist from app.attendance_events where id = :brk), '2026-11-20'::date, 'the row moved');
select is(
    (select count(*)::integer from app.audit_logs where action = 'BACKFILL_BUSINESS_DATE'
     and actor_slack_id = 'system.backfill' and entity_id = :'brk' and before ->> 'business_date_ist' = '2026-11-21'),
    1, 'one audit row with actor system.backfill and before/after'
);
select is((select count(*)::integer from app.business_date_mismatches()), 0, 'a second run finds nothing');
select is((tests.day(:'nia', '2026-11-20')).event_count, 3, 'the night shift''s day now holds all three events');
select is((select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0, 'stored equals recomputed');

select * from finish();
rollback;
