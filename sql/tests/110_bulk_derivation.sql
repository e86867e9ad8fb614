-- A multi-row insert (imports, backfills) derives its touched employee-days in
-- one pass per statement, not once per row or per day; the result equals a
-- recomputation.
begin;
select plan(5);

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
