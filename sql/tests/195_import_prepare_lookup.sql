-- The prepare's employee lookup carries each employee's status and dates with
-- the reference (employee number, attendance number, e-mail) instead of a
-- third join to employees, and reads each row's business date once: every
-- path still decides EMPLOYEE_INACTIVE (before joining, after the exit date,
-- not active without an exit date) and AMBIGUOUS_EMPLOYEE as before, and a row
-- names the employee its reference matched. Cheaper guards decide what the
-- costlier ones did: a blank line (spaces only) is skipped, a line that starts
-- with a space is not; a staged value is cut to its column's limit in
-- characters (app.import_clip), not bytes.
begin;
select plan(6);

select tests.import_scene('E-2') as li \gset
select tests.create_employee('gone@example.com') as gone \gset
select tests.create_employee('late@example.com') as late \gset
select tests.create_employee('idle@example.com') as idle \gset
update app.employees set employee_number = 'E-GONE', employment_status = 'RELIEVED', exit_date = '2026-11-10'
where id = :'gone';
update app.employees set attendance_number = 'A-LATE', date_of_joining = '2026-11-17' where id = :'late';
update app.employees set employee_number = 'E-IDLE', employment_status = 'INACTIVE' where id = :'idle';
-- a number that is one employee's attendance number and another's employee number
update app.employees set attendance_number = 'E-GONE' where id = :'li';

select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'E-GONE,CLOCK_IN,2026-11-09 10:00,,',
    'gone@example.com,CLOCK_IN,2026-11-10 23:59,,',
    'gone@example.com,CLOCK_IN,2026-11-11 00:01,,',
    'A-LATE,CLOCK_IN,2026-11-16 23:59,,',
    'A-LATE,CLOCK_IN,2026-11-16 18:30,UTC,',
    'late@example.com,CLOCK_OUT,2026-11-17 09:00,,',
    'E-IDLE,CLOCK_IN,2026-11-16 10:00,,',
    'idle@example.com,CLOCK_OUT,2026-11-16 19:00,,'
]) as staged \gset

select is(
    array(
        select r.line_no || ' ' || r.outcome || ':' || coalesce(r.error_code, '')
        from app.import_rows as r order by r.row_no
    ),
    array[
        '2 VALID:', '3 ERROR:AMBIGUOUS_EMPLOYEE', '4 VALID:', '5 ERROR:EMPLOYEE_INACTIVE',
        '6 ERROR:EMPLOYEE_INACTIVE', '7 VALID:', '8 VALID:', '9 ERROR:EMPLOYEE_INACTIVE',
        '10 ERROR:EMPLOYEE_INACTIVE'
    ],
    'inactive by exit date, by joining date (on the IST business date) and by status, through every kind of reference'
);
select is(
    array(select r.matched_employee_id from app.import_rows as r where r.line_no in (4, 5, 6, 8, 9) order by r.row_no),
    array[:'gone', :'gone', :'late', :'late', :'idle']::uuid[],
    'a row names the employee its reference matched'
);
select is(
    (:'staged'::jsonb) #> '{counts,errors}',
    '{"AMBIGUOUS_EMPLOYEE": 1, "EMPLOYEE_INACTIVE": 4}'::jsonb,
    'the counts agree with the rows'
);

select is(
    array[
        app.import_clip('ééé', 3), app.import_clip('éééé', 3), app.import_clip('abc', 3), app.import_clip('abcd', 3),
        app.import_clip('', 0), app.import_clip(null, 3)
    ],
    array['ééé', 'ééé', 'abc', 'abc', '', null],
    'a value is cut at its limit in characters: multi-byte characters within it are kept whole'
);

select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    '   ',
    '  E-2,CLOCK_IN,2026-11-18 10:00,,',
    '',
    'E-2,CLOCK_OUT,2026-11-18 19:00,,'
]) ->> 'batch_id' as spaced \gset
select is(
    array(
        select r.line_no || ' ' || r.employee_ref || ' ' || r.outcome || ':' || coalesce(r.error_code, '')
        from app.import_rows as r where r.batch_id = :spaced order by r.row_no
    ),
    array['3 E-2 VALID:', '5 E-2 VALID:'],
    'a line of spaces is skipped, one that starts with spaces is read'
);
select is(
    (select max(r.row_no) from app.import_rows as r where r.batch_id = :spaced),
    2, 'rows are numbered over the lines read'
);

select * from finish();
rollback;
