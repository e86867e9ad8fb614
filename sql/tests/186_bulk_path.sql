-- The bulk path's hash chain (app.insert_events_bulk): the canonical bytes
-- built from a row's own elements around the shared ones
-- (app.ledger_canonical_row_v1) are exactly app.ledger_canonical_v1's, for
-- awkward values (quotes, backslashes, unicode and control characters in text
-- and payload, fractional seconds, nulls) and every event type; the PL/pgSQL state function links
-- as app.ledger_link; and a bulk import's rows verify. The business dates of
-- the one window pass (app.import_business_dates) are the row-by-row rule's
-- (app.business_date_for, the insert trigger) on a night shift across
-- midnight, edges at equal instants, a shift open past max_shift_hours and an
-- edge already in the ledger. Ids are drawn in (employee, time, position)
-- order and the chain follows them, whatever the order of the arrays (one
-- pass, no sort of its own: the order comes out of the dates' window).
begin;
select plan(10);

create temp table samples (
    id bigint, employee_id uuid, event_type app.event_type, occurred_at timestamptz, recorded_at timestamptz,
    source text, idempotency_key text, request_hash text, payload jsonb, corrects_event_id bigint, created_by text
);
insert into samples values
(1, gen_random_uuid(), 'CLOCK_IN', '2026-11-20 04:30:00+00', '2026-11-20 04:30:00.1234+00', 'import',
    null, null, '{}', null, 'bench-import'),
(9223372036854775807, gen_random_uuid(), 'LUNCH_END', '2026-11-20 23:59:59.999999+05:30', now(), 'import',
    'key "1"', 'ab\cd', '{"note": "tab\there, quote \" and ü", "n": [1, 2.50, null]}', 42, E'Ana "A" \\ Ü\n'),
(42, '00000000-0000-0000-0000-000000000000', 'VOID', '2000-01-01 00:00:00+00', '2099-12-31 23:59:59.5+00', 'admin',
    '', '', '{"a": {"b": "\u00e9"}}', null, '');
-- every event type's label (the row encoding quotes labels without escaping)
insert into samples
select 100 + n, gen_random_uuid(), t, now(), now(), 'import', null, null, '{}', null, 'x'
from unnest(enum_range(null::app.event_type)) with ordinality as e (t, n);

select is(
    (
        select count(*) from samples as s
        where app.ledger_canonical_row_v1(
            s.id, s.employee_id, s.event_type, s.occurred_at, s.payload,
            app.ledger_canonical_shared_v1(
                s.recorded_at, s.source, s.idempotency_key, s.request_hash, s.corrects_event_id, s.created_by
            )
        ) is distinct from app.ledger_canonical_v1(
            s.id, s.employee_id, s.event_type, s.occurred_at, s.recorded_at, s.source, s.idempotency_key,
            s.request_hash, s.payload, s.corrects_event_id, s.created_by
        )
    ),
    0::bigint,
    'the shared-elements encoding writes the same bytes as ledger_canonical_v1'
);
select isnt(
    app.ledger_canonical_row_v1(
        1, '00000000-0000-4000-8000-000000000001', 'CLOCK_IN', now(), '{}',
        app.ledger_canonical_shared_v1(now(), 'import', null, null, null, 'a')
    ),
    app.ledger_canonical_row_v1(
        1, '00000000-0000-4000-8000-000000000001', 'CLOCK_IN', now(), '{}',
        app.ledger_canonical_shared_v1(now(), 'import', null, null, null, 'b')
    ),
    'the shared elements are part of the bytes'
);
select is(app.ledger_chain_step(null, null, '\x01'), app.ledger_link(null, '\x01'), 'the first link: empty previous hash');
select is(
    app.ledger_chain_step(null, '\x02', '\x01'), app.ledger_link('\x02', '\x01'), 'the first row of a window starts at the head'
);
select is(
    app.ledger_chain_step('\x03', '\x02', '\x01'), app.ledger_link('\x03', '\x01'), 'later rows follow the running hash'
);

-- a bulk import with an awkward actor verifies
select tests.create_employee('vic@example.com') as vic \gset
select app.import_events_v1(
    array[:'vic', :'vic', :'vic']::uuid[], array['CLOCK_IN', 'BREAK_START', 'CLOCK_OUT']::app.event_type[],
    array[tests.ist('2026-11-20 09:00:00.5'), tests.ist('2026-11-20 12:00'), tests.ist('2026-11-20 19:30')],
    E'import "ü" \\ x'
);
select is(app.ledger_first_break(:'vic', null, null), null, 'the bulk path''s chain verifies');

-- the same punches, row by row (the trigger's rule, one statement: each row
-- sees the ones before it) for una and set-based for wes; both start with a
-- CLOCK_IN already in the ledger at 22:00 on the 18th
select tests.create_employee('una@example.com', null, 'employee', 'NIGHT') as una \gset
select tests.create_employee('wes@example.com', null, 'employee', 'NIGHT') as wes \gset
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
values (:'una', 'CLOCK_IN', tests.ist('2026-11-18 22:00'), 'import', 'test'),
    (:'wes', 'CLOCK_IN', tests.ist('2026-11-18 22:00'), 'import', 'test');
create temp table punches (k integer, event_type app.event_type, at timestamptz);
insert into punches values
(1, 'BREAK_START', tests.ist('2026-11-19 01:00')),   -- owned by the ledger's CLOCK_IN (18th)
(2, 'CLOCK_OUT', tests.ist('2026-11-19 06:00')),
(3, 'BREAK_END', tests.ist('2026-11-19 06:00')),      -- at the CLOCK_OUT's instant, after it
(4, 'CLOCK_IN', tests.ist('2026-11-19 22:00')),
(5, 'LUNCH_START', tests.ist('2026-11-19 22:00')),    -- at the CLOCK_IN's instant, after it
(6, 'BREAK_START', tests.ist('2026-11-20 02:00')),    -- night shift: the 19th
(7, 'BREAK_END', tests.ist('2026-11-21 02:00')),      -- past max_shift_hours: its own date
(8, 'CLOCK_OUT', tests.ist('2026-11-21 03:00')),
(9, 'CLOCK_IN', tests.ist('2026-11-21 23:59:59.999999')),
(10, 'CLOCK_OUT', tests.ist('2026-11-22 00:00:00.000001'));
insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by)
select :'una', p.event_type, p.at, 'import', 'test' from punches as p order by p.k;
select app.import_events_v1(
    (select array_agg(:'wes'::uuid order by p.k) from punches as p),
    (select array_agg(p.event_type order by p.k) from punches as p),
    (select array_agg(p.at order by p.k) from punches as p),
    'test'
);
select is(
    (select array_agg(ev.business_date_ist order by ev.id) from app.attendance_events as ev where ev.employee_id = :'wes'),
    (select array_agg(ev.business_date_ist order by ev.id) from app.attendance_events as ev where ev.employee_id = :'una'),
    'the set-based business dates are the row-by-row rule''s'
);

-- arrays in no order: two employees interleaved, times backwards, two rows
-- at one instant (positions 2 and 5: 2 first)
select tests.create_employee('xia@example.com') as xia \gset
select tests.create_employee('yul@example.com') as yul \gset
create temp table scrambled (k integer, employee_id uuid, event_type app.event_type, at timestamptz);
insert into scrambled values
(1, :'yul', 'CLOCK_OUT', tests.ist('2026-11-20 18:00')),
(2, :'xia', 'BREAK_START', tests.ist('2026-11-20 12:00')),
(3, :'yul', 'CLOCK_IN', tests.ist('2026-11-20 09:00')),
(4, :'xia', 'CLOCK_IN', tests.ist('2026-11-20 09:00')),
(5, :'xia', 'BREAK_END', tests.ist('2026-11-20 12:00')),
(6, :'xia', 'CLOCK_OUT', tests.ist('2026-11-20 18:00'));
select app.import_events_v1(
    (select array_agg(s.employee_id order by s.k) from scrambled as s),
    (select array_agg(s.event_type order by s.k) from scrambled as s),
    (select array_agg(s.at order by s.k) from scrambled as s),
    'test'
);
select is(
    (
        select array_agg(s.k order by ev.id)
        from app.attendance_events as ev
        inner join scrambled as s
            on s.employee_id = ev.employee_id and s.event_type = ev.event_type and s.at = ev.occurred_at
    ),
    (select array_agg(s.k order by s.employee_id, s.at, s.k) from scrambled as s),
    'bulk ids follow (employee, time, position), whatever the order of the arrays'
);
select is(
    (
        select array_agg(array[ev.chain_seq, h.chain_seq] order by ev.id)
        from app.attendance_events as ev
        inner join app.ledger_chain_heads as h on h.employee_id = ev.employee_id
        where ev.employee_id in (:'xia', :'yul')
    ),
    (
        select array_agg(array[x.seq, x.last] order by x.id)
        from (
            select
                ev.id,
                row_number() over (partition by ev.employee_id order by ev.id) as seq,
                count(*) over (partition by ev.employee_id) as last
            from app.attendance_events as ev
            where ev.employee_id in (:'xia', :'yul')
        ) as x
    ),
    'the chain follows the ids (1, 2, ... per employee) and each head is the employee''s last row'
);

-- app.derive_days builds the day row by position (one row constructor, in
-- this order): a column added, dropped or reordered must change it too
select is(
    (select array_agg(a.attname::text order by a.attnum) from pg_attribute as a
     where a.attrelid = 'app.daily_status'::regclass and a.attnum > 0 and not a.attisdropped),
    array[
        'employee_id', 'business_date_ist', 'current_status', 'first_clock_in', 'last_clock_out', 'last_event_id',
        'last_event_at', 'worked_minutes', 'break_minutes_used', 'lunch_minutes', 'event_count', 'anomalies',
        'is_locked', 'lock_reason', 'has_sync_errors', 'updated_at', 'state_since', 'worked_seconds',
        'break_seconds', 'lunch_seconds', 'lunch_starts', 'leave_portion'
    ],
    'daily_status''s columns in the order app.derive_days builds its row'
);

select * from finish();
rollback;
