-- The tamper-evident ledger (issue 14, part 7): every path that writes the
-- ledger chains the row to the employee's previous one; the worker's sync
-- updates leave the chain valid; api.verify_ledger (hr_admin only) finds a
-- changed business column, a changed hash, a deleted row (middle and tail), a
-- forged row, each tampered as the superuser with the triggers disabled. The
-- chain columns cannot be written by anyone else, nor sent by a caller.
begin;
select plan(33);

select tests.allow_backdating();
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('boss@example.com', null, 'approver') as boss \gset

-- one employee's ledger through every write path: live punches, admin event,
-- VOID, row-by-row import, set-based import
create function pg_temp.history(p_email text) returns uuid
language plpgsql
as $$
declare
    v_emp uuid := tests.create_employee(p_email, (select id from app.employees where email = 'boss@example.com'));
    v_hr uuid := (select id from app.employees where email = 'hr@example.com');
    v_event jsonb;
begin
    perform tests.authenticate_as('employee', v_emp);
    perform api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00'));
    perform api.break_start(tests.ist('2026-11-20 12:00'));
    perform api.break_end(tests.ist('2026-11-20 12:15'));
    v_event := api.clock_out(tests.ist('2026-11-20 19:10')) -> 'event';
    perform tests.authenticate_as('hr_admin', v_hr);
    perform api.add_event(v_emp, 'CLOCK_IN', tests.ist('2026-11-21 09:00'), 'forgot to clock in');
    perform api.void_event((v_event ->> 'id')::bigint, 'wrong clock-out');
    perform tests.clear_authentication();
    insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
    values (v_emp, 'CLOCK_OUT', tests.ist('2026-11-21 19:00'), 'import', 'test');
    perform app.import_events_v1(
        array[v_emp, v_emp], array['CLOCK_IN', 'CLOCK_OUT']::app.event_type[],
        array[tests.ist('2026-11-22 09:00'), tests.ist('2026-11-22 19:00')], 'test'
    );
    return v_emp;
end
$$;

create function pg_temp.verify(p_emp uuid, p_from date default null, p_to date default null) returns jsonb
language plpgsql
as $$
declare
    v_result jsonb;
begin
    perform tests.authenticate_as('hr_admin', (select id from app.employees where email = 'hr@example.com'));
    v_result := api.verify_ledger(p_emp, p_from, p_to);
    perform tests.clear_authentication();
    return v_result;
end
$$;

select pg_temp.history('ana@example.com') as ana \gset

-- the chain as written
select is(
    (select array_agg(chain_seq order by id) from app.attendance_events where employee_id = :'ana'),
    array[1, 2, 3, 4, 5, 6, 7, 8, 9]::bigint[], 'nine rows, chained 1..9 in write order'
);
select is(
    (select count(*) from app.attendance_events as ev
     where ev.employee_id = :'ana'
         and ev.chain_hash = app.ledger_link(
             (select p.chain_hash from app.attendance_events as p where p.employee_id = ev.employee_id and p.chain_seq = ev.chain_seq - 1),
             app.ledger_canonical(ev))),
    9::bigint, 'each hash is sha256(previous hash || canonical row), the first after an empty hash'
);
select is(
    (select (chain_seq, chain_hash) from app.ledger_chain_heads where employee_id = :'ana'),
    (select (chain_seq, chain_hash) from app.attendance_events where employee_id = :'ana' order by chain_seq desc limit 1),
    'the head is the last row'
);
select is(pg_temp.verify(:'ana'), jsonb_build_object('ok', true, 'employee_id', :'ana', 'head_seq', 9), 'an untouched ledger verifies');

-- the canonical encoding does not depend on the session
select is(
    (select convert_from(app.ledger_canonical(ev), 'UTF8') from app.attendance_events as ev where employee_id = :'ana' and chain_seq = 1),
    (select '["hithonix-ledger-v1", ' || ev.id || ', "' || ev.employee_id || '", "CLOCK_IN", "2026-11-20T04:30:00", '
        || to_json(ev.recorded_at at time zone 'UTC') || ', "web", null, ' || to_json(ev.request_hash) || ', '
        || ev.payload::text || ', null, ' || to_json(ev.created_by) || ']'
     from app.attendance_events as ev where employee_id = :'ana' and chain_seq = 1),
    'the canonical bytes are the documented JSON array (instants in UTC, no zone)'
);
set local timezone = 'America/New_York';
set local datestyle = 'SQL, DMY';
select is(pg_temp.verify(:'ana') ->> 'ok', 'true', 'another TimeZone and DateStyle verify the same chain');
reset timezone;
reset datestyle;

-- the worker's updates of the sync columns are outside the hash
set local role hithonix_worker;
update app.attendance_events set sync_status = 'SUCCESS', synced_at = now(), attempt_count = 1, keka_ref = 'K-1'
where employee_id = :'ana' and event_type = 'CLOCK_IN';
update app.attendance_events set sync_status = 'FAILED', last_sync_error = 'boom', last_attempt_at = now()
where employee_id = :'ana' and event_type = 'CLOCK_OUT';
reset role;
select is(pg_temp.verify(:'ana') ->> 'ok', 'true', 'sync column updates leave the chain valid');

-- nobody writes the chain columns: not the worker (column grants), not the owner (append-only trigger)
set local role hithonix_worker;
select throws_ok(
    format($$update app.attendance_events set chain_hash = sha256('x') where employee_id = '%s'$$, :'ana'),
    '42501', null, 'the worker cannot write chain_hash'
);
select throws_ok($$update app.ledger_chain_heads set chain_seq = 0$$, '42501', null, 'the worker cannot touch the heads');
reset role;
set local role hithonix_owner;
select throws_ok(
    format($$update app.attendance_events set chain_hash = sha256('x') where employee_id = '%s'$$, :'ana'),
    'PT403', 'LEDGER_APPEND_ONLY', 'the owner cannot rewrite chain_hash'
);
select throws_ok(
    format($$update app.attendance_events set chain_seq = chain_seq + 1 where employee_id = '%s'$$, :'ana'),
    'PT403', 'LEDGER_APPEND_ONLY', 'the owner cannot renumber the chain'
);
-- a chain sent by the caller is replaced (outside the set-based bulk path)
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, chain_seq, chain_hash)
values (:'ana', 'CLOCK_OUT', tests.ist('2026-11-22 19:30'), 'import', 'test', 1, sha256('forged'));
reset role;
select is(
    (select chain_seq from app.attendance_events where employee_id = :'ana' order by id desc limit 1),
    10::bigint, 'a chain_seq sent by the caller is replaced by the next position'
);
select is(pg_temp.verify(:'ana') ->> 'ok', 'true', 'a forged chain_hash sent by the caller is replaced');

-- the bulk path's mode (hithonix.ledger_chain_given, the owner): a chain the
-- statement computed is kept as given, and a wrong one is what verify finds
select pg_temp.history('hal@example.com') as hal \gset
set local role hithonix_owner;
select set_config('hithonix.ledger_chain_given', 'on', true);
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'hal', 'BREAK_START', tests.ist('2026-11-22 13:00'), 'import', 'test');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by, chain_seq, chain_hash)
values (:'hal', 'BREAK_END', tests.ist('2026-11-22 13:10'), 'import', 'test', 11, sha256('a bulk bug'));
select set_config('hithonix.ledger_chain_given', 'off', true);
reset role;
select is(
    (select chain_seq from app.attendance_events where employee_id = :'hal' and occurred_at = tests.ist('2026-11-22 13:00')),
    10::bigint, 'in the bulk mode a row without a chain is still chained by the trigger'
);
select is(
    (select chain_hash from app.attendance_events where employee_id = :'hal' and chain_seq = 11),
    sha256('a bulk bug'), 'in the bulk mode a given chain is kept (the statement computed it)'
);
select is(
    pg_temp.verify(:'hal') ->> 'problem', 'HASH_MISMATCH', 'a wrong given link is found'
);

-- who may verify
select tests.authenticate_as('employee', :'ana');
select throws_ok(format($$select api.verify_ledger('%s')$$, :'ana'), '42501', null, 'an employee cannot verify (even their own)');
select tests.authenticate_as('approver', :'boss');
select throws_ok(format($$select api.verify_ledger('%s')$$, :'ana'), '42501', null, 'an approver cannot verify');
select tests.clear_authentication();
set local role hr_admin;
select throws_ok(
    format($$select app.verify_ledger('%s', null, null)$$, :'ana'),
    'PT403', null, 'the hr_admin database role without an hr_admin token is refused'
);
reset role;
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok($$select api.verify_ledger(gen_random_uuid())$$, 'PT404', 'EMPLOYEE_NOT_FOUND', 'an unknown employee is a 404');
select throws_ok(
    format($$select api.verify_ledger('%s', '2026-11-22', '2026-11-21')$$, :'ana'),
    'PT422', 'INVALID_ARGUMENT', 'from after to is refused'
);
select tests.clear_authentication();

-- tampering, as the superuser with every trigger disabled
select pg_temp.history('bob@example.com') as bob \gset
select pg_temp.history('cy@example.com') as cy \gset
select pg_temp.history('dee@example.com') as dee \gset
select pg_temp.history('eve@example.com') as eve \gset
select pg_temp.history('fay@example.com') as fay \gset
select pg_temp.history('gil@example.com') as gil \gset
set local session_replication_role = replica;
-- a business column changed
update app.attendance_events set occurred_at = occurred_at - interval '1 hour' where employee_id = :'bob' and chain_seq = 4;
-- a row deleted in the middle
delete from app.attendance_events where employee_id = :'cy' and chain_seq = 3;
-- the last row deleted
delete from app.attendance_events where employee_id = :'dee' and chain_seq = 9;
-- a row inserted with a position already taken
insert into app.attendance_events (
    employee_id, event_type, occurred_at, business_date_ist, source, created_by, chain_seq, chain_hash
) select :'eve', 'CLOCK_OUT', tests.ist('2026-11-20 21:00'), '2026-11-20', 'admin', 'mallory', 5, chain_hash
from app.attendance_events where employee_id = :'eve' and chain_seq = 5;
-- a row appended with a correctly computed link, the head left alone
insert into app.attendance_events (
    employee_id, event_type, occurred_at, recorded_at, business_date_ist, source, created_by, chain_seq, chain_hash
) select :'fay', 'CLOCK_IN', tests.ist('2026-11-23 09:00'), now(), '2026-11-23', 'admin', 'mallory', 10, sha256('placeholder');
update app.attendance_events as ev set chain_hash = app.ledger_link(
    (select p.chain_hash from app.attendance_events as p where p.employee_id = ev.employee_id and p.chain_seq = 9),
    app.ledger_canonical(ev)
) where ev.employee_id = :'fay' and ev.chain_seq = 10;
-- a hash recomputed after a change: the next link breaks
update app.attendance_events set created_by = 'mallory' where employee_id = :'gil' and chain_seq = 2;
update app.attendance_events as ev set chain_hash = app.ledger_link(
    (select p.chain_hash from app.attendance_events as p where p.employee_id = ev.employee_id and p.chain_seq = 1),
    app.ledger_canonical(ev)
) where ev.employee_id = :'gil' and ev.chain_seq = 2;
set local session_replication_role = origin;

select is(
    pg_temp.verify(:'bob') - 'stored_hash' - 'expected_hash' - 'event_id',
    jsonb_build_object('ok', false, 'employee_id', :'bob', 'chain_seq', 4, 'problem', 'HASH_MISMATCH'),
    'a changed occurred_at: the link of that row breaks'
);
select is(
    (pg_temp.verify(:'bob') ->> 'event_id')::bigint,
    (select id from app.attendance_events where employee_id = :'bob' and chain_seq = 4),
    'the broken link names the event'
);
select is(
    pg_temp.verify(:'cy') - 'stored_hash' - 'expected_hash' - 'event_id',
    jsonb_build_object('ok', false, 'employee_id', :'cy', 'chain_seq', 4, 'problem', 'MISSING_ROW'),
    'a deleted row: the next position finds a gap'
);
select is(
    pg_temp.verify(:'dee') ->> 'problem', 'HEAD_MISMATCH', 'a deleted last row: the head is not reached'
);
select is(
    pg_temp.verify(:'eve') - 'stored_hash' - 'expected_hash' - 'event_id',
    jsonb_build_object('ok', false, 'employee_id', :'eve', 'chain_seq', 5, 'problem', 'DUPLICATE_SEQ'),
    'an inserted row claiming a taken position'
);
select is(
    pg_temp.verify(:'fay') ->> 'problem', 'HEAD_MISMATCH', 'an appended row with a valid link: the head does not match'
);
select is(
    pg_temp.verify(:'gil') - 'stored_hash' - 'expected_hash' - 'event_id',
    jsonb_build_object('ok', false, 'employee_id', :'gil', 'chain_seq', 3, 'problem', 'HASH_MISMATCH'),
    'a changed row with its own hash recomputed: the next link breaks'
);

-- ranges (recorded_at, IST): the tampering is found when the range covers it
select app.ist_date(now()) as today \gset
select is(pg_temp.verify(:'bob', :'today', :'today') ->> 'problem', 'HASH_MISMATCH', 'a range covering the row finds it');
select is(pg_temp.verify(:'bob', :'today'::date + 1, null) ->> 'ok', 'true', 'a range after every row has nothing broken');
select is(pg_temp.verify(:'ana', :'today', :'today') ->> 'ok', 'true', 'a range of a sound chain verifies');
select is(
    pg_temp.verify(:'dee', null, :'today'::date - 1) ->> 'ok', 'true',
    'a range ending before the deleted tail does not reach the head'
);

-- the owner's one-statement check for everyone: broken chains are exactly the tampered ones
select is(
    (select array_agg(e.email::text order by e.email) from app.employees as e
     where app.ledger_first_break(e.id, null, null) is not null),
    array[
        'bob@example.com', 'cy@example.com', 'dee@example.com', 'eve@example.com', 'fay@example.com', 'gil@example.com',
        'hal@example.com'
    ],
    'exactly the tampered chains are broken'
);

select * from finish();
rollback;
