-- The outbox: a committed Keka-bound event has one message, written in its
-- transaction; a rolled-back punch leaves none; breaks are SKIPPED; a bulk
-- insert enqueues one message per event, with no per-row send;
-- has_sync_errors follows the sync columns.
begin;
select plan(9);

select tests.create_employee('oli@example.com') as oli \gset
select tests.create_employee('bulk@example.com') as bulk \gset
select tests.allow_backdating();
select count(*) as before_msgs from pgmq.q_keka_sync \gset

select tests.authenticate_as('employee', :'oli');
savepoint before_punch;
select api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
rollback to savepoint before_punch;
select tests.clear_authentication();
select is((select count(*) from pgmq.q_keka_sync), :'before_msgs'::bigint, 'a rolled-back punch leaves no message');

select tests.authenticate_as('employee', :'oli');
select (api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00')) -> 'event' ->> 'id')::bigint as in_id \gset
select (api.break_start(tests.ist('2026-11-20 11:00')) -> 'event' ->> 'id')::bigint as brk_id \gset
select tests.clear_authentication();
select is(
    (select array_agg((message ->> 'event_id')::bigint) from pgmq.q_keka_sync),
    array[:in_id::bigint], 'the CLOCK_IN has exactly one message; the break none'
);
select is((select sync_status::text from app.attendance_events where id = :brk_id), 'SKIPPED', 'breaks are SKIPPED (Keka has no status for them)');

set local track_functions = 'all';
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
select :'bulk', t, tests.ist('2026-11-' || d || ' 10:00') + (case t when 'CLOCK_OUT' then interval '9 hours' else interval '0' end), 'import', 'test'
from generate_series(10, 19) as d, unnest(array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[]) as t
order by d, t;
select is(
    (select count(*)::integer from pgmq.q_keka_sync as m join app.attendance_events as e on e.id = (m.message ->> 'event_id')::bigint where e.employee_id = :'bulk'),
    20, 'with one message per event'
);
select is(coalesce(pg_stat_get_xact_function_calls('pgmq.send(text, jsonb, jsonb, timestamptz)'::regprocedure), 0)
    + coalesce(pg_stat_get_xact_function_calls('pgmq.send_batch(text, jsonb[], jsonb[], timestamptz)'::regprocedure), 0),
    0::bigint, 'and no per-row send, no dynamic SQL per message');

update app.attendance_events set sync_status = 'PERMANENT_FAILURE', attempt_count = 1 where id = :in_id;
select is((tests.day(:'oli', '2026-11-20')).has_sync_errors, true, 'a PERMANENT_FAILURE sets has_sync_errors');
update app.attendance_events set sync_status = 'SUCCESS', synced_at = now() where id = :in_id;
select is((tests.day(:'oli', '2026-11-20')).has_sync_errors, false, 'SUCCESS clears it');
select is((select count(*)::integer from app.daily_status_differences('2026-11-01', '2026-11-30')), 0, 'stored equals recomputed');

-- the message builder is inlined where it is used, not run as a statement of
-- its own per message (as it was while declared immutable over a stable body)
create function pg_temp.plan_of(p_query text) returns text
language plpgsql as $$
declare
    v_line text;
    v_plan text := '';
begin
    for v_line in execute 'explain (verbose, costs off) ' || p_query loop
        v_plan := v_plan || v_line || E'\n';
    end loop;
    return v_plan;
end;
$$;
select matches(
    pg_temp.plan_of('select app.keka_sync_message(e.id, e.employee_id) from app.attendance_events as e'),
    'Output: jsonb_build_object\(''event_id''',
    'app.keka_sync_message is inlined: the plan computes jsonb_build_object itself'
);

select * from finish();
rollback;
