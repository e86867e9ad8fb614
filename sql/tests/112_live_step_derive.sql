-- The live step and the replay share the ledger's _020_new_rows (issue 11):
-- a statement whose rows the live step all stored makes no replay call; any
-- other row in the statement (or earlier in the transaction) gets its day
-- replayed, whatever the mix. Also: a chain sent with a direct live insert is replaced
-- (the chain verifies), and the row-level period-lock guard on daily_status
-- refuses a day moved into a closed period (the lock notice of a live lock:
-- 801_lock_notices).
begin;
select plan(37);

select tests.allow_backdating();
select tests.create_employee('ada@example.com') as ada \gset
select tests.create_employee('bo@example.com') as bo \gset
select tests.create_employee('cy@example.com') as cy \gset
select tests.today() - 3 as d \gset
set local track_functions = 'all';
create function pg_temp.derive_calls() returns bigint
language sql volatile
as $$ select coalesce(pg_stat_get_xact_function_calls('app.refresh_daily_status(uuid[], date[])'::regprocedure), 0) $$;
create function pg_temp.chain_calls() returns bigint
language sql volatile
as $$ select coalesce(pg_stat_get_xact_function_calls('app.tg_attendance_events__chain()'::regprocedure), 0) $$;

-- 1. live punches through the API: the step stores the day, no replay call
select pg_temp.derive_calls() as c0 \gset
select tests.authenticate_as('employee', :'ada');
select api.clock_in(tests.plan(), tests.ist(:'d' || ' 10:00'));
select api.break_start(tests.ist(:'d' || ' 12:00'));
select api.break_end(tests.ist(:'d' || ' 12:10'));
select tests.clear_authentication();
select is(pg_temp.derive_calls() - :c0, 0::bigint, 'three stepped live punches: no replay call');
select is((tests.day(:'ada', :'d')).event_count, 3, 'and the stored day holds all three');

-- 2. a stepped punch earlier in the transaction does not let a later
-- system row skip its replay
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'ada', 'BREAK_START', tests.ist(:'d' || ' 15:00'), 'web', 'test');
select pg_temp.derive_calls() as c1 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'cy', 'CLOCK_IN', tests.ist(:'d' || ' 08:00'), 'system', 'test');
select is(pg_temp.derive_calls() - :c1, 1::bigint, 'the later system row: one replay call');
select is((tests.day(:'cy', :'d')).event_count, 1, 'and its day is derived');

-- 3. one statement mixing a live row and an admin row: the admin row's day is replayed
select pg_temp.derive_calls() as c2 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'ada', 'BREAK_END', tests.ist(:'d' || ' 15:05'), 'web', 'test'),
(:'bo', 'CLOCK_IN', tests.ist(:'d' || ' 09:00'), 'admin', 'test');
select is(pg_temp.derive_calls() - :c2, 1::bigint, 'a live row beside an admin row: one replay call');
select is((tests.day(:'bo', :'d')).current_status, 'ON_SHIFT'::app.day_status, 'the admin row''s day is derived');

-- 4. an admin row alone: its day is replayed
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'cy', 'CLOCK_OUT', tests.ist(:'d' || ' 17:00'), 'admin', 'test');
select is((tests.day(:'cy', :'d')).current_status, 'OFF_DUTY'::app.day_status, 'an admin row alone: its day is derived');

-- 5. a VOID of a live punch replays the day
select id as last_break from app.attendance_events
where employee_id = :'ada' and event_type = 'BREAK_END' order by id desc limit 1 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, corrects_event_id, created_by)
values (:'ada', 'VOID', tests.ist(:'d' || ' 15:06'), 'admin', :last_break, 'test');
select is((tests.day(:'ada', :'d')).current_status, 'ON_BREAK'::app.day_status, 'a VOID re-derives the day');

select is(
    (select count(*)::integer from app.daily_status_differences(:'d'::date - 1, :'d'::date + 1)), 0,
    'stored equals recomputed after the mix'
);

-- 6. the hash chain: whatever chain the caller sends for a live row (its
-- step chains it, app.ledger_chain_advance) or a VOID with a live source
-- (_490_chain), it is replaced; the chain verifies
select is(
    (select array_agg(t.tgname::text order by t.tgname) from pg_trigger as t
     where t.tgrelid = 'app.attendance_events'::regclass and not t.tgisinternal and t.tgtype & 7 = 7),
    array['_100_prepare', '_490_chain'],
    'no BEFORE INSERT row trigger sorts between the live step, which chains a live row, and _490_chain'
);
select is(
    (select array_agg(m.s[1] order by m.s[1])
     from pg_trigger as t
     cross join lateral regexp_matches(pg_get_triggerdef(t.oid), '''([a-z]+)''::text', 'g') as m (s)
     where t.tgrelid = 'app.attendance_events'::regclass and t.tgname = '_490_chain'
         and m.s[1] = any(array['web', 'slack', 'kiosk', 'api', 'mobile', 'admin', 'import', 'system', 'regularization'])),
    (select array_agg(k.s order by k.s)
     from unnest(array['web', 'slack', 'kiosk', 'api', 'mobile', 'admin', 'import', 'system', 'regularization']) as k (s)
     where app.is_live_punch_source(k.s)),
    '_490_chain skips exactly the live sources (its WHEN writes out app.is_live_punch_source''s list)'
);
-- a function in a WHEN is inlined (parsed, planned) on every execution of
-- the statement: none on the punch path's tables
select is(
    (select array_agg(t.tgname::text order by t.tgname) from pg_trigger as t
     where t.tgrelid in ('app.attendance_events'::regclass, 'app.daily_status'::regclass, 'app.ledger_chain_heads'::regclass)
         and not t.tgisinternal and substring(pg_get_triggerdef(t.oid) from 'WHEN (.*) EXECUTE FUNCTION') ~ '\m(app|public|tests)\.[a-z_0-9]+\('),
    null, 'no trigger WHEN on the punch path calls a function of ours'
);
select pg_temp.chain_calls() as k0 \gset
insert into app.attendance_events (
    employee_id, event_type, occurred_at, source, created_by, chain_seq, chain_hash
) values (:'ada', 'BREAK_END', tests.ist(:'d' || ' 15:30'), 'web', 'test', 1, sha256('forged'));
select isnt(
    (select chain_hash from app.attendance_events where employee_id = :'ada' order by id desc limit 1),
    sha256('forged'), 'a live row''s sent chain is replaced'
);
select is(pg_temp.chain_calls() - :k0, 0::bigint, 'by its live step: no _490_chain call');
select is(
    (select max(chain_seq) from app.attendance_events where employee_id = :'ada'),
    (select chain_seq from app.ledger_chain_heads where employee_id = :'ada'),
    'the live row is the head'
);
select id as last_live from app.attendance_events where employee_id = :'ada' order by id desc limit 1 \gset
insert into app.attendance_events (
    employee_id, event_type, occurred_at, source, corrects_event_id, created_by, chain_seq, chain_hash
) values (:'ada', 'VOID', tests.ist(:'d' || ' 15:31'), 'web', :last_live, 'test', 1, sha256('forged'));
select isnt(
    (select chain_hash from app.attendance_events where employee_id = :'ada' order by id desc limit 1),
    sha256('forged'), 'a VOID with a live source is chained too'
);
select is(pg_temp.chain_calls() - :k0, 1::bigint, 'by _490_chain');
select is(app.ledger_first_break(:'ada', null, null), null, 'ada''s chain verifies');

-- 7. the row-level period-lock guard on daily_status: moving a day into a closed period is refused
select tests.create_employee('eve@example.com') as eve \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'eve', 'CLOCK_IN', tests.ist((:'d'::date - 12) || ' 09:00'), 'web', 'test');
insert into app.period_locks (date_from, date_to, reason, locked_by)
values (:'d'::date - 20, :'d'::date - 10, 'test payroll', 'test');
-- a statement of stored live steps returns from _020_new_rows before its
-- employee check, period-lock check and replay (each step's day guard
-- checked the row's date): app.lock_referenced_employees, its first call
-- after that return, is not called; every other row still gets the checks
create function pg_temp.period_calls() returns bigint
language sql volatile
as $$ select coalesce(pg_stat_get_xact_function_calls('app.lock_referenced_employees(uuid[], text, text)'::regprocedure), 0) $$;
select pg_temp.period_calls() as q0 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'bo', 'BREAK_START', tests.ist(:'d' || ' 16:00'), 'web', 'test');
select is(pg_temp.period_calls() - :q0, 0::bigint, 'a stepped live row in an open period: _020_new_rows returns before its checks');
select throws_ok(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
        values (%L, 'CLOCK_OUT', %L, 'web', 'test')$$, :'eve', tests.ist((:'d'::date - 12) || ' 18:00')),
    'PT409', 'PERIOD_LOCKED', 'a live step on a stored day in a closed period is refused (the day''s guard)'
);
select throws_ok(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
        values (%L, 'BREAK_START', %L, 'admin', 'test')$$, :'eve', tests.ist((:'d'::date - 12) || ' 12:00')),
    'PT409', 'PERIOD_LOCKED', 'a non-live row in a closed period is refused (the statement check)'
);
select throws_ok(
    format($$select app.import_events_v1(array[%L]::uuid[], array['CLOCK_IN']::app.event_type[], array[%L]::timestamptz[], 'test')$$,
        :'eve', tests.ist((:'d'::date - 11) || ' 09:00')),
    'PT409', 'PERIOD_LOCKED', 'nor the bulk path'
);
select throws_ok(
    format(
        $$update app.daily_status set business_date_ist = %L where employee_id = %L and business_date_ist = %L$$,
        :'d'::date - 15, :'bo', :'d'
    ),
    'PT409', 'PERIOD_LOCKED', 'a day moved into a closed period is refused'
);
select lives_ok(
    format($$update app.daily_status set has_sync_errors = true where employee_id = %L and business_date_ist = %L$$, :'bo', :'d'),
    'an open day is still written'
);

-- 8. the outbox: a live punch's message is written by its step, any other
-- row's by _020_new_rows, which returns at once for a statement of stored
-- live steps; one message per PENDING row whatever the mix
select tests.create_employee('fay@example.com') as fay \gset
select tests.create_employee('gus@example.com') as gus \gset
create function pg_temp.messages(p_employee uuid) returns bigint
language sql volatile
as $$
    select count(*) from pgmq.q_keka_sync as m
    inner join app.attendance_events as e on e.id = (m.message ->> 'event_id')::bigint
    where e.employee_id = p_employee
$$;
select pg_temp.derive_calls() as e0 \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'fay', 'CLOCK_IN', tests.ist(:'d' || ' 09:00'), 'web', 'test');
select is(pg_temp.derive_calls() - :e0, 0::bigint, 'a stepped live CLOCK_IN: _020_new_rows returned at once (no replay, so no enqueue either)');
select is(pg_temp.messages(:'fay'), 1::bigint, 'and its one message, written by the step');
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'fay', 'CLOCK_OUT', tests.ist(:'d' || ' 17:00'), 'web', 'test'),
(:'gus', 'CLOCK_IN', tests.ist(:'d' || ' 09:00'), 'admin', 'test');
select is(
    array[pg_temp.messages(:'fay'), pg_temp.messages(:'gus')], array[2, 1]::bigint[],
    'a live row beside an admin row: one message each'
);
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'gus', 'CLOCK_OUT', tests.ist(:'d' || ' 17:00'), 'admin', 'test');
select is(pg_temp.messages(:'gus'), 2::bigint, 'an admin row alone: its message');

-- 9. the decision rests on the statement's rows, not on a setting: one
-- INSERT mixing an admin row and a live row gets the checks, the replay and
-- the message the admin row needs; a later row's expression that flips the
-- bulk path's settings after an earlier row's BEFORE trigger ran lets no
-- row skip the employee check. The closed period of section 7 covers
-- d-20 .. d-10
select tests.create_employee('dan@example.com') as dan \gset
select tests.create_employee('eli@example.com') as eli \gset
select tests.create_employee('flo@example.com') as flo \gset
select tests.create_employee('gil@example.com') as gil \gset
select throws_ok(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
        (%L, 'CLOCK_IN', %L, 'admin', 'x'),
        (%L, 'CLOCK_IN', %L, 'web', 't')$$,
        :'dan', tests.ist((:'d'::date - 20) || ' 09:00'), :'eli', tests.ist(:'d' || ' 09:00')),
    'PT409', 'PERIOD_LOCKED', 'an admin row in a closed period beside a live row: refused'
);
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) values
(:'dan', 'CLOCK_IN', tests.ist(:'d' || ' 09:00'), 'admin', 'x'),
(:'gil', 'CLOCK_IN', tests.ist(:'d' || ' 09:00'), 'web', 't');
select is((tests.day(:'dan', :'d')).current_status, 'ON_SHIFT'::app.day_status, 'the same in an open period: the admin row''s day is derived');
select is(pg_temp.messages(:'dan'), 1::bigint, 'and its Keka message written');
select is(pg_temp.messages(:'gil'), 1::bigint, 'the live row''s message: its step''s, once');
-- the bulk path's settings flipped by the second row: a row for nobody is
-- still refused as the foreign key would
select set_config('hithonix.import_business_dates', 'on', true);
select set_config('hithonix.ledger_chain_given', 'on', true);
select throws_ok(
    format($$insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by,
            business_date_ist, recorded_at, sync_status, attempt_count, chain_seq, chain_hash) values
        (gen_random_uuid(), 'CLOCK_IN', %L, 'import', 'x', %L, now(), 'PENDING', 0, 1, sha256('x')),
        (%L, 'CLOCK_IN', %L, 'web',
            left(set_config('hithonix.import_business_dates', 'off', true), 0)
            || left(set_config('hithonix.ledger_chain_given', 'off', true), 0) || 't',
            null, null, null, null, null, null)$$,
        tests.ist(:'d' || ' 09:00'), :'d', :'flo', tests.ist(:'d' || ' 09:00')),
    '23503', null, 'an import row of nobody beside a live row that flips the bulk settings: refused'
);
select set_config('hithonix.import_business_dates', 'off', true);
select set_config('hithonix.ledger_chain_given', 'off', true);
select is(
    (select count(*) from app.attendance_events where employee_id = :'flo'), 0::bigint,
    'and nothing of that statement is stored'
);

-- the live step's policy comes with its read of the employee's shift edge,
-- by app.policy_of's rule: shift_config overrides the setting
-- (one_clock_in_per_day, true by default); without the merged settings row,
-- app.policy_of's aggregate gives the same
select tests.create_employee('policy-dee@example.com') as pdee \gset
select tests.create_employee('policy-eve@example.com') as peve \gset
select tests.create_employee('policy-fay@example.com') as pfay \gset
update app.employees set shift_config = shift_config || '{"one_clock_in_per_day": false}'
where id in (:'pdee', :'peve');
create function pg_temp.second_shift(p_employee uuid, p_date date) returns text
language plpgsql as $$
begin
    perform tests.authenticate_as('employee', p_employee);
    perform api.clock_in(tests.plan(), tests.ist(p_date || ' 09:00'));
    perform api.clock_out(tests.ist(p_date || ' 10:00'));
    perform api.clock_in(tests.plan(), tests.ist(p_date || ' 11:00'));
    perform tests.clear_authentication();
    return 'ok';
exception when others then
    perform tests.clear_authentication();
    return sqlerrm;
end
$$;
select is(pg_temp.second_shift(:'pdee', :'d'), 'ok', 'shift_config one_clock_in_per_day false: a second shift on one date');
select is(pg_temp.second_shift(:'pfay', :'d'), 'ALREADY_CLOCKED_IN', 'the setting (true) for the others');
delete from app.settings_merged;
select is(pg_temp.second_shift(:'peve', :'d'), 'ok', 'without the merged settings row the override still holds');

select * from finish();
rollback;
