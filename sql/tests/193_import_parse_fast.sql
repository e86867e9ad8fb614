-- The prepare's fast paths (issue 13, speed) decide what the slow ones did.
-- app.import_local_timestamp is one inlined CASE ending in the C cast: every
-- out-of-range field is a null (INVALID_TIME), never an error the cast would
-- raise, and never a value the cast alone would accept (24:00, a leap second,
-- year 0001, other scripts' digits). Duplicates in the file are found by a hash
-- aggregate (the first stays, later ones are DUPLICATE whatever lies between),
-- e-mails by a hash join (case-insensitive), and the counts come from the
-- inserted rows themselves: they equal a count of the stored batch.
begin;
select plan(12);

select is(
    array(select app.import_local_timestamp(t) from unnest(array[
        '2026-11-20 09:58', '2026-11-20T09:58:07', '2028-02-29 10:00', '2000-02-29 00:00', '2026-12-31 23:59:59',
        '2026-04-30 10:00', '1900-01-01 00:00', '2999-12-31 23:59'
    ]) with ordinality as x (t, n) order by n),
    array[
        '2026-11-20 09:58', '2026-11-20 09:58:07', '2028-02-29 10:00', '2000-02-29 00:00', '2026-12-31 23:59:59',
        '2026-04-30 10:00', '1900-01-01 00:00', '2999-12-31 23:59'
    ]::timestamp[],
    'well-formed local times are read, leap days included'
);
select is(
    (select count(*) from unnest(array[
        '2026-02-29 10:00', '1900-02-29 10:00', '2026-02-30 10:00', '2026-04-31 10:00', '2026-06-31 10:00',
        '2026-11-31 10:00', '2026-13-01 10:00', '2026-00-10 10:00', '2026-11-00 10:00', '2026-11-20 24:00',
        '2026-11-20 23:60', '2026-11-20 23:59:60', '0001-01-01 00:00', '3000-01-01 00:00', '2026-1-01 00:00',
        '2026-11-20 9:58', '2026-11-20 09:58 ', '２０２６-11-20 09:58', '2026-11-20', '2026-11-20 09:58:07.5',
        '2026-11-20 09:58+05:30', 'yesterday', '', null
    ]) as t where app.import_local_timestamp(t) is null),
    24::bigint, 'every malformed or out-of-range local time is a null, none raises'
);

select tests.import_scene('E-2') as li \gset
select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'li@example.com,CLOCK_OUT,2026-11-16 19:00,,',
    'LI@EXAMPLE.COM,clock_out,2026-11-16 19:00,,',
    'E-2,CLOCK_IN,2026-11-16 10:00,Asia/Kolkata,',
    'E-2,CLOCK_IN,2026-11-16 04:30,UTC,',
    'E-2,CLOCK_IN,2026-02-30 10:00,,',
    'nobody@example.com,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,LUNCH_START,2026-11-16 13:00,,'
]) as staged \gset

select is(
    array(select r.outcome || ':' || coalesce(r.error_code, '') from app.import_rows as r order by r.row_no),
    array[
        'VALID:', 'VALID:', 'DUPLICATE:DUPLICATE_IN_FILE', 'DUPLICATE:DUPLICATE_IN_FILE',
        'DUPLICATE:DUPLICATE_IN_FILE', 'ERROR:INVALID_TIME', 'ERROR:UNKNOWN_EMPLOYEE', 'VALID:'
    ],
    'the first of equal punches stays VALID, every later one is DUPLICATE (the same instant in another zone too)'
);
select is(
    (select count(*) from app.import_rows as r where r.matched_employee_id = :'li'),
    7::bigint, 'an e-mail reference matches whatever its case'
);
select is(
    (:'staged'::jsonb) -> 'counts',
    app.import_counts((:'staged'::jsonb ->> 'batch_id')::bigint),
    'the counts returned equal a count of the stored rows'
);
select is(
    (select b.counts from app.import_batches as b where b.id = (:'staged'::jsonb ->> 'batch_id')::bigint),
    app.import_counts((:'staged'::jsonb ->> 'batch_id')::bigint),
    'and so do the counts stored on the batch'
);
select is((:'staged'::jsonb ->> 'rows')::integer, 8, 'rows: every punch of the file');
select is(
    (select array_agg(r.row_no order by r.row_no) from app.import_rows as r),
    array[1, 2, 3, 4, 5, 6, 7, 8], 'row numbers follow the file'
);

-- a malformed line anywhere refuses the file with its line and column,
-- after the counts are taken from the same statement
select throws_ok(
    $$select app.import_stage('csv', array[
        'employee,event_type,local_time,time_zone,note',
        'E-2,CLOCK_IN,2026-11-17 10:00,,',
        'E-2,CLOCK_OUT,2026-11-17 19:00,,',
        'E-2,"CLOCK_OUT,2026-11-17 19:00,,'
    ])$$,
    'PT400', 'IMPORT_MALFORMED', 'a broken line refuses the file'
);
select is(
    (select count(*) from app.import_batches), 1::bigint, 'nothing of the refused file is kept'
);
select throws_ok(
    $$select app.import_stage('csv', array[
        'employee,event_type,local_time,time_zone,note',
        'E-2,CLOCK_IN,2026-11-17 10:00,,',
        'E-2,CLOCK_OUT,2026-11-17 19:00,'
    ])$$,
    'PT400', 'IMPORT_MALFORMED', 'a line with too few fields refuses the file'
);
select is(
    (select count(*) from app.import_batches), 1::bigint, 'nothing half-written: no second batch'
);

select * from finish();
rollback;
