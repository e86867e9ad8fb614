-- A punch that reaches the ledger between prepare and commit is skipped by the
-- commit (ALREADY_IN_LEDGER), not written twice; the batch's other rows are
-- written. The commit reads its rows once, and again only in this case
-- (app.import_apply).
begin;
select plan(8);

select tests.import_scene('E-2') as li \gset

select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,CLOCK_OUT,2026-11-16 19:30,,'
]) ->> 'token' as token \gset

-- meanwhile the same CLOCK_IN arrives by another path (the owner's bulk entry)
select app.import_events_v1(
    array[:'li'::uuid], array['CLOCK_IN'::app.event_type], array[tests.ist('2026-11-16 10:00')], 'test'
);

select app.import_commit(:'token', null) as result \gset
select is((:'result'::jsonb) -> 'effect' ->> 'events', '1', 'one event written: the CLOCK_OUT');
select is(
    (:'result'::jsonb) -> 'counts' ->> 'SKIPPED', '1', 'the CLOCK_IN already in the ledger is counted as skipped'
);
select is(
    (select error_code from app.import_rows where line_no = 2 and event_type = 'CLOCK_IN'),
    'ALREADY_IN_LEDGER', 'its row says why'
);
select is(
    (select count(*) from app.attendance_events where employee_id = :'li' and event_type = 'CLOCK_IN'),
    1::bigint, 'the CLOCK_IN is in the ledger once'
);
-- the batch's stored counts follow: its status and a retry read them
select is(
    (select b.counts ->> 'SKIPPED' from app.import_batches as b where b.id = ((:'result'::jsonb) ->> 'batch_id')::bigint),
    '1', 'the batch''s stored counts say one skipped'
);
select is(
    (select b.counts ->> 'VALID' from app.import_batches as b where b.id = ((:'result'::jsonb) ->> 'batch_id')::bigint),
    '1', 'and one valid'
);
select is(
    (select b.progress_rows from app.import_batches as b where b.id = ((:'result'::jsonb) ->> 'batch_id')::bigint),
    1, 'progress counts the one row written'
);
select is(
    (select count(*) from app.daily_status_differences('2026-11-14', '2026-11-18')), 0::bigint,
    'stored daily_status equals recomputed'
);

select * from finish();
rollback;
