-- Two sessions request overlapping leave for one employee at the same moment:
-- exactly one wins, the other gets 409 LEAVE_OVERLAP. Real concurrency needs
-- committed data and two connections, so this runs in a scratch copy of the
-- migrated template database (dblink), dropped at the end; nothing is left here.
begin;
select plan(5);

create extension if not exists dblink;
select format('host=%s port=%s user=%s', coalesce(nullif(current_setting('listen_addresses'), '*'), '127.0.0.1'),
    current_setting('port'), current_user) as srv \gset
select dblink_exec(:'srv' || ' dbname=postgres', 'drop database if exists hithonix_leave_race with (force)');
select dblink_exec(:'srv' || ' dbname=postgres', 'create database hithonix_leave_race template hithonix_template');
select dblink_connect('a', :'srv' || ' dbname=hithonix_leave_race');
select dblink_connect('b', :'srv' || ' dbname=hithonix_leave_race');

select * from dblink('a', $$
    insert into app.employees (email, full_name) values ('race@example.com', 'race') returning id::text
$$) as t (id text) \gset race_
select dblink_exec('a', 'begin');
select dblink_exec('b', 'begin');
select t.* from unnest(array['a', 'b']) as c
cross join lateral dblink(c, format(
    $$select set_config('request.jwt.claims', '{"role": "employee", "employee_id": "%s"}', true),
             set_config('role', 'employee', true)$$, :'race_id'
)) as t (claims text, role text);
select tests.next_monday() as mon \gset
select dblink_send_query('a', format($$select api.request_leave('UNPAID', %L, %L)::text$$, :'mon', :'mon'::date + 2));
select dblink_send_query('b', format($$select api.request_leave('UNPAID', %L, %L)::text$$, :'mon'::date + 1, :'mon'::date + 3));
select pg_sleep(0.5);
select is(dblink_is_busy('b'), 1, 'the second session waits for the first');
select ok((select r like '{%PENDING%' from dblink_get_result('a') as t (r text)), 'the first request is accepted');
select dblink_get_result('a');
select dblink_exec('a', 'commit');
select is((select count(*)::int from dblink_get_result('b', false) as t (r text)), 0, 'the second gets no row...');
select ok(dblink_error_message('b') like '%LEAVE_OVERLAP%', '...but 409 LEAVE_OVERLAP, once the first committed');
select dblink_get_result('b', false);
select dblink_exec('b', 'rollback');
select is(
    (select n from dblink('a', 'select count(*)::int from app.leave_requests') as t (n int)), 1,
    'exactly one request exists'
);

select dblink_disconnect('a');
select dblink_disconnect('b');
select dblink_exec(:'srv' || ' dbname=postgres', 'drop database hithonix_leave_race with (force)');

select * from finish();
rollback;
