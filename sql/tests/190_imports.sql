-- Imports: prepare decides every row's outcome in SQL; a broken file is refused
-- whole with its line and column; the token is stored hashed and expires; a
-- commit writes once (409 after), a retry with its key gets the first result;
-- rollback VOIDs the batch once; only hr_admin may do any of it, and no client
-- role can read or write the staging tables.
begin;
select plan(27);

select tests.create_employee('ana@example.com', null, 'hr_admin') as ana \gset
select tests.create_employee('li@example.com') as li \gset
update app.employees set employee_number = 'E-1' where id = :'ana';
update app.employees set employee_number = 'E-2' where id = :'li';

-- hr_admin's claims, the owner's role: the checks below read the staging tables
select tests.authenticate_as('hr_admin', :'ana');
select set_config('role', 'none', true);

select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,CLOCK_OUT,2026-11-16 19:00,,',
    'E-9,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,TEA,2026-11-16 10:00,,',
    'E-2,CLOCK_IN,2026-13-01 10:00,,',
    'E-2,CLOCK_IN,2999-01-01 10:00,,',
    'E-2,CLOCK_IN,2026-11-16 10:00,Atlantis/Capital,'
]) as staged \gset
select (:'staged'::jsonb) ->> 'token' as token, (:'staged'::jsonb) ->> 'batch_id' as batch \gset

select is(
    ((:'staged'::jsonb) -> 'counts') - 'errors',
    '{"VALID": 2, "SKIPPED": 0, "DUPLICATE": 1, "ERROR": 5}'::jsonb,
    'counts by outcome'
);
select is(
    (:'staged'::jsonb) -> 'counts' -> 'errors',
    '{"UNKNOWN_EMPLOYEE": 1, "UNKNOWN_EVENT_TYPE": 1, "INVALID_TIME": 1, "FUTURE_TIME": 1, "UNKNOWN_TIME_ZONE": 1}'::jsonb,
    'counts by error code'
);
select is(
    (select array_agg(r.outcome order by r.row_no) from app.import_rows as r where r.batch_id = :batch),
    array['VALID', 'DUPLICATE', 'VALID', 'ERROR', 'ERROR', 'ERROR', 'ERROR', 'ERROR'],
    'one outcome per row, in file order'
);
select is(
    (select b.token_hash from app.import_batches as b where b.id = :batch),
    encode(sha256(convert_to(:'token', 'UTF8')), 'hex'),
    'only the token''s hash is stored'
);

-- broken files: 400 with line and column, nothing kept
create function pg_temp.refusal(p_sql text) returns text
language plpgsql as $$
declare
    v_detail text;
    v_state text;
begin
    execute p_sql;
    return 'no error';
exception
    when others then
        get stacked diagnostics v_detail = pg_exception_detail, v_state = returned_sqlstate;
        return v_state || ' ' || v_detail;
end
$$;
select throws_ok(
    $$select app.import_stage('csv', array['employee,event_type,when,time_zone,note', 'E-2,CLOCK_IN,2026-11-16 10:00,,'])$$,
    'PT400', 'IMPORT_BAD_HEADER', 'a wrong header is refused'
);
select alike(
    pg_temp.refusal($$select app.import_stage('csv', array['employee,event_type,local_time,time_zone,note', 'E-2,CLOCK_IN,2026-11-16 10:00,,', 'E-2,"CLOCK_OUT,2026-11-16 19:00,,'])$$),
    'PT400 line 3, column 2:%', 'an open quote: its line and field'
);
select alike(
    pg_temp.refusal($$select app.import_stage('csv', array['employee,event_type,local_time,time_zone,note', 'E-2,CLOCK_IN,2026-11-16 10:00,,,'])$$),
    'PT400 line 2, column 6:%', 'one field too many'
);
select throws_ok(
    $$select app.import_stage('csv', array['employee,event_type,local_time,time_zone,note', ''])$$,
    'PT400', 'IMPORT_EMPTY', 'a header and no rows'
);
select throws_ok(
    $$select app.import_stage('dingtalk', array['姓名,工号,日期', '张伟,E-2,2026-11-16'])$$,
    'PT400', 'IMPORT_BAD_HEADER', 'a DingTalk export without clock columns'
);
select throws_ok(
    $$select app.import_stage('xlsx', array['a'])$$, 'PT422', 'INVALID_ARGUMENT', 'an unknown format'
);
select is((select count(*) from app.import_batches)::integer, 1, 'refused files left no batch');

-- preview: bounded page, outcome filter, dry-run effect that writes nothing
select tests.set_setting('import_preview_limit', '2');
select is(
    jsonb_array_length(app.import_preview(:'token', 100, 0, null, false) -> 'rows'), 2, 'a page is at most preview_limit'
);
select is(
    (select array_agg(x ->> 'error_code') from jsonb_array_elements(app.import_preview(:'token', 2, 1, 'ERROR', false) -> 'rows') as x),
    array['UNKNOWN_EVENT_TYPE', 'INVALID_TIME'], 'filtered by outcome, paged'
);
select is(
    app.import_preview(:'token', 2, 0, null, true) -> 'effect' -> 'locks',
    '{}'::jsonb, 'the dry run predicts no lock for a full day'
);
select is((select count(*) from app.attendance_events)::integer, 0, 'the dry run left the ledger as it was');

-- commit once
select is(app.import_commit(:'token', 'key-1') ->> 'status', 'COMMITTED', 'committed');
select is(
    (select count(*) from app.attendance_events as ev where ev.source = 'import' and (ev.payload ->> 'import_batch_id')::bigint = :batch)::integer,
    2, 'the valid rows are in the ledger, linked to their batch'
);
select is(
    (select array_agg((ev.payload ->> 'import_row')::integer order by (ev.payload ->> 'import_row')::integer)
     from app.attendance_events as ev
     where ev.id in (select e.id from app.import_events(:batch) as e)),
    (select array_agg(r.row_no order by r.row_no) from app.import_rows as r where r.batch_id = :batch and r.outcome = 'VALID'),
    'the batch finds its events (one per VALID row) through its id ranges'
);
select is(app.import_commit(:'token', 'key-1') ->> 'batch_id', :'batch', 'a retry with the key returns the first result');
select throws_ok(format('select app.import_commit(%L)', :'token'), 'PT409', 'IMPORT_ALREADY_COMMITTED', 'the same token twice');
select throws_ok($$select app.import_commit('nope')$$, 'PT404', 'IMPORT_TOKEN_NOT_FOUND', 'an unknown token');

-- rollback once
select is((app.import_rollback(:batch, 'wrong month')) ->> 'voided', '2', 'rollback voids the batch''s events');
select is((app.import_rollback(:batch, 'wrong month')) ->> 'voided', '2', 'a second rollback returns the first result');
select is(
    (select array_agg(a.action order by a.id) from app.audit_logs as a where a.entity = 'import_batches'),
    array['IMPORT_PREPARE', 'IMPORT_COMMIT', 'IMPORT_ROLLBACK'], 'every step is audited'
);

-- roles
select tests.authenticate_as('employee', :'li');
select throws_ok(
    $$select app.import_stage('csv', array['employee,event_type,local_time,time_zone,note', 'E-2,CLOCK_IN,2026-11-16 10:00,,'])$$,
    '42501', null, 'an employee cannot stage an import'
);
select throws_ok('select * from app.import_rows', '42501', null, 'nor read the staging rows');
select tests.authenticate_as('approver', :'li');
select throws_ok(
    format('select api.import_rollback(%s, %L)', :batch, 'because'), '42501', null, 'nor can an approver roll one back'
);

select * from finish();
rollback;
