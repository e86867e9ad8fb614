-- A committed batch finds its ledger events by the id ranges its applies wrote
-- (migration 0171), not by a pointer on every staged row. The payload decides
-- within a range: another writer's events whose ids fall inside it are not
-- the batch's (not counted, not voided by its rollback). Client roles cannot
-- read or write the ranges; a range runs forwards.
begin;
select plan(10);

select tests.import_scene('E-2') as li \gset
-- a day of E-2 (in at 10:00, out at 19:00) prepared and committed: its batch
create function pg_temp.committed_day(p_day text) returns bigint
language plpgsql as $$
declare
    v_staged jsonb := app.import_stage('csv', array[
        'employee,event_type,local_time,time_zone,note',
        format('E-2,CLOCK_IN,%s 10:00,,', p_day),
        format('E-2,CLOCK_OUT,%s 19:00,,', p_day)
    ]);
begin
    perform app.import_commit(v_staged ->> 'token', null);
    return (v_staged ->> 'batch_id')::bigint;
end
$$;
select pg_temp.committed_day('2026-11-16') as b1 \gset

select is(
    (select array[count(*), max(x.last_event_id - x.first_event_id)]
     from app.import_event_ranges as x where x.batch_id = :b1),
    array[1, 1]::bigint[], 'one apply, one range of two events'
);
select hasnt_column(
    'app', 'import_event_ranges', 'events', 'a range holds no count of its own (the ledger''s payloads decide)'
);

-- another writer's events after it, then the range widened over them (as if
-- their ids had been drawn in between)
select pg_temp.committed_day('2026-11-17') as b2 \gset
select app.import_events_v1(
    array[:'li'::uuid], array['BREAK_START'::app.event_type], array[tests.ist('2026-11-16 15:00')], 'test'
) as other_writer \gset
update app.import_event_ranges as x
set last_event_id = (select max(e.id) from app.attendance_events as e)
where x.batch_id = :b1
returning x.last_event_id \gset

select is(
    (select count(*) from app.import_events(:b1))::integer, 2,
    'ids of other batches and other writers inside the range are not the batch''s'
);
select is(
    app.import_effect(:b1) ->> 'events', '2', 'the effect counts the batch''s own events'
);
select is(
    app.import_rollback(:b1, 'wrong file') ->> 'voided', '2', 'its rollback voids its two events'
);
select is(
    (select count(*) from app.attendance_events as e
     where e.event_type = 'VOID' and e.corrects_event_id in (select ev.id from app.import_events(:b2) as ev))::integer,
    0, 'none of the other batch''s'
);
select is(
    (select count(*) from app.attendance_events as e
     where e.event_type = 'VOID' and e.corrects_event_id in (
         select v.id from app.attendance_events as v where v.event_type = 'BREAK_START'
     ))::integer,
    0, 'none of the other writer''s'
);
select is(
    app.import_rollback(:b1, 'wrong file') ->> 'voided', '2', 'a second rollback returns the first result'
);

select throws_ok(
    format('insert into app.import_event_ranges values (%s, 10, 9)', :b2),
    '23514', null, 'a range runs forwards'
);

select tests.authenticate_as('hr_admin', (select id from app.employees where email = 'ana@example.com'));
select throws_ok(
    'select * from app.import_event_ranges', '42501', null, 'hr_admin cannot read the ranges directly'
);

select * from finish();
rollback;
