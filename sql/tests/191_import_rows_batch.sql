-- A staged row's batch (migration 0115: checked once per statement instead of
-- a foreign key's query per row): the same guarantees as the foreign key, with
-- its SQLSTATE. Attacks, as the owner (no client role can write these tables):
-- a row of a batch that does not exist, among valid ones; a row moved to
-- another batch; a batch deleted or truncated under its rows.
begin;
select plan(9);

select tests.import_scene('E-2') as li \gset

select app.import_stage('csv', array[
    'employee,event_type,local_time,time_zone,note',
    'E-2,CLOCK_IN,2026-11-16 10:00,,',
    'E-2,CLOCK_OUT,2026-11-16 19:00,,'
]) ->> 'batch_id' as batch \gset
select is((select count(*) from app.import_rows where batch_id = :'batch'), 2::bigint, 'a prepare stages its rows');

-- one statement, one bad row among good ones: the whole statement fails
select throws_ok(
    format(
        $$insert into app.import_rows (batch_id, row_no, line_no, column_no, outcome)
        values (%s, 10, 10, 1, 'ERROR'), (-1, 1, 1, 1, 'ERROR')$$, :'batch'
    ),
    '23503', null, 'a row of a batch that does not exist is refused (the whole statement)'
);
select is((select count(*) from app.import_rows where batch_id = :'batch'), 2::bigint, 'nothing of it stays');
select lives_ok(
    format($$insert into app.import_rows (batch_id, row_no, line_no, column_no, outcome) values (%s, 10, 10, 1, 'ERROR')$$, :'batch'),
    'a row of an existing batch is accepted'
);
select throws_ok(
    format('update app.import_rows set batch_id = -1 where batch_id = %s and row_no = 1', :'batch'),
    '23503', null, 'a staged row never moves to a batch that does not exist'
);
select lives_ok(
    format('update app.import_rows set error = null where batch_id = %s', :'batch'),
    'an update that leaves batch_id alone is not checked per row'
);
select throws_ok(
    format('delete from app.import_batches where id = %s', :'batch'),
    '23503', null, 'a batch with staged rows cannot be deleted'
);
select throws_ok(
    'truncate app.import_batches cascade', '23503', null, 'nor truncated under its rows'
);
select throws_ok(
    format('update app.import_batches set id = default where id = %s', :'batch'),
    '23503', null, 'a batch''s id never changes'
);

select * from finish();
rollback;
