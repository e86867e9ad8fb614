-- A multi-row insert (imports, backfills) derives its touched employee-days in
-- one pass per statement, not once per row or per day; the result equals a
-- recomputation.
begin;
select plan(8);

select tests.create_employee('u1@example.com') as u1 \gset
select tests.create_employee('u2@example.com') as u2 \gset
set local track_functions = 'all';
select oid as derive_oid from pg_proc where oid = 'app.derive_days(uuid[], date[], boolean)'::regprocedure \gset
select coalesce(pg_stat_get_xact_function_calls(:derive_oid), 0) as calls_before \gset

-- 2 employees × 3 days × 6 events = 36 rows, 6 employee-days, one statement
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
select e.id, t.event_type::app.event_type, tests.ist(d.day || ' ' || t.at), 'import', 'test'
from (values (:'u1'::uuid), (:'u2'::uuid)) as e (id)
cross join (values ('2026-11-18'), ('2026-11-19'), ('2026-11-20')) as d (day)
cross join (values
    ('CLOCK_IN', '10:00'), ('BREAK_START', '12:00'), ('BREAK_END', '12:15'),
    ('LUNCH_START', '13:00'), ('LUNCH_END', '13:30'), ('CLOCK_OUT', '19:05')
) as t (event_type, at)
order by e.id, d.day, t.at;

select is(
    coalesce(pg_stat_get_xact_function_calls(:derive_oid), 0) - :'calls_before'::bigint,
    1::bigint,
    '36 rows over 6 employee-days derive in one pass'
);
select is((select count(*)::integer from app.daily_status), 6, 'six day rows');
select is(
    (select array_agg(distinct worked_minutes) from app.daily_status), array[500],
    'each day: 9h05 minus 15 min break and 30 min lunch'
);
select is((select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0, 'stored equals recomputed');

-- the pass's order and skips, one day computed by hand: two events at the
-- same instant replay in id order (a zero-length break, no anomaly); a VOID
-- and the event it voids count for nothing, not even the last event, but a
-- voided event's sync error still counts
select tests.create_employee('u3@example.com') as u3 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
select :'u3', t.event_type::app.event_type, tests.ist('2026-11-18 ' || t.at), 'import', 'test'
from (values
    (1, 'CLOCK_IN', '10:00'), (2, 'BREAK_START', '12:00'), (3, 'BREAK_END', '12:00'),
    (4, 'LUNCH_START', '13:00'), (5, 'LUNCH_END', '13:20'), (6, 'CLOCK_OUT', '19:30')
) as t (k, event_type, at)
order by t.k;
select id as lunch_end_id from app.attendance_events where employee_id = :'u3' and event_type = 'LUNCH_END' \gset
select id as clock_out_id from app.attendance_events where employee_id = :'u3' and event_type = 'CLOCK_OUT' \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, corrects_event_id)
values (:'u3', 'VOID', tests.ist('2026-11-18 20:00'), 'admin', 'test', :'lunch_end_id');
select is(
    (select row(
        d.current_status, d.worked_minutes, d.break_minutes_used, d.lunch_minutes, d.event_count,
        d.anomalies, d.is_locked, d.lunch_starts, d.last_event_id, d.has_sync_errors
    )::text from app.daily_status as d where d.employee_id = :'u3'),
    row(
        'OFF_DUTY'::app.day_status, 180, 0, 390, 5, array['LUNCH_MISMATCH'], false, 1, :'clock_out_id'::bigint, false
    )::text,
    'equal instants in id order; the voided LUNCH_END and its VOID left out (still ON_LUNCH at the clock-out)'
);
update app.attendance_events set sync_status = 'FAILED', attempt_count = 1 where id = :'lunch_end_id';
select is((tests.day(:'u3', '2026-11-18')).has_sync_errors, true, 'a voided event''s sync error counts');
select is(
    (select count(*)::integer from app.daily_status_differences('2026-11-18', '2026-11-18') as x
        where x.employee_id = :'u3'), 0,
    'and the replay agrees with the stored day'
);

-- the check function does find a difference when one exists
alter table app.daily_status disable trigger user;
set local session_replication_role = replica;
update app.daily_status set worked_minutes = 1, worked_seconds = 60 where employee_id = :'u1' and business_date_ist = '2026-11-18';
set local session_replication_role = origin;
select is(
    (select array_agg(business_date_ist) from app.daily_status_differences('2026-11-01', '2026-11-30')),
    array['2026-11-18'::date],
    'daily_status_differences reports a tampered day'
);

select * from finish();
rollback;
