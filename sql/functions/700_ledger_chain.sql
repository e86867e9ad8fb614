-- The tamper-evident ledger (issue 14, part 7): the hash chain over
-- app.attendance_events, one chain per employee.
--
-- Each row carries chain_seq (1, 2, 3, ... per employee, in the order rows
-- were chained) and chain_hash = sha256(previous row's chain_hash || the row's
-- canonical bytes); the first row of an employee has an empty previous hash.
-- app.ledger_chain_heads holds every employee's latest (chain_seq,
-- chain_hash): a writer upserts it (one row lock per employee, held to commit),
-- so two sessions writing for the same employee chain one after the other and
-- the chain cannot fork; a deleted tail row shows as a head the ledger no
-- longer reaches.
--
-- The canonical encoding, version 1 (app.ledger_canonical_v1): the UTF-8
-- bytes of the JSON array that json_build_array writes for
--   ['hithonix-ledger-v1', id, employee_id, event_type, occurred_at,
--    recorded_at, source, idempotency_key, request_hash, payload,
--    corrects_event_id, created_by]
-- i.e. '[' elements joined by ', ' ']': numbers as digits, text, uuids (lower
-- case) and enum labels as JSON strings (JSON escapes: unambiguous), NULL as
-- null, payload as jsonb's own text form (keys sorted, one space after ':'
-- and ','), the two instants converted to UTC timestamps written in ISO 8601
-- without a zone, fractional seconds without trailing zeros
-- ('2026-11-20T04:30:00', '2026-11-20T04:30:00.1234'): JSON output of timestamps ignores DateStyle,
-- and a timestamp without zone ignores TimeZone. One C function per row
-- (about 4 us), not one call per field. Outside the hash, on purpose: the sync columns (sync_status,
-- attempt_count, last_sync_error, last_attempt_at, synced_at, keka_ref), which
-- the worker updates; business_date_ist, which is derived from occurred_at and
-- which the sanctioned backfill may correct (a wrong date is what the backfill
-- dry run lists); and the chain columns themselves. Adding a column to the
-- ledger leaves every hash valid; hashing it needs an encoding v2.
--
-- Set-based chaining for many rows: app.ledger_chain (an aggregate, used as
-- a running window over an employee's rows in chain order) and
-- app.ledger_chain_rows (what a bulk insert selects from).

create or replace function app.ledger_canonical_v1(
    p_id bigint, p_employee_id uuid, p_event_type app.event_type, p_occurred_at timestamptz,
    p_recorded_at timestamptz, p_source text, p_idempotency_key text, p_request_hash text,
    p_payload jsonb, p_corrects_event_id bigint, p_created_by text
) returns bytea
language sql stable
as $$
    select convert_to(
        json_build_array(
            'hithonix-ledger-v1', p_id, p_employee_id, p_event_type,
            p_occurred_at at time zone 'UTC', p_recorded_at at time zone 'UTC',
            p_source, p_idempotency_key, p_request_hash, p_payload, p_corrects_event_id, p_created_by
        )::text,
        'UTF8'
    )
$$;
comment on function app.ledger_canonical_v1(
    bigint, uuid, app.event_type, timestamptz, timestamptz, text, text, text, jsonb, bigint, text
) is
'The canonical bytes of a ledger row (encoding v1, see sql/functions/700_ledger_chain.sql).';

-- The same for a stored row (the trigger, the verification).
create or replace function app.ledger_canonical(p_event app.attendance_events) returns bytea
language sql stable
as $$
    select app.ledger_canonical_v1(
        p_event.id, p_event.employee_id, p_event.event_type, p_event.occurred_at, p_event.recorded_at,
        p_event.source, p_event.idempotency_key, p_event.request_hash, p_event.payload,
        p_event.corrects_event_id, p_event.created_by
    )
$$;
comment on function app.ledger_canonical(app.attendance_events) is
'The canonical bytes of a ledger row: app.ledger_canonical_v1 over its hashed columns.';

-- The same bytes for many rows that share recorded_at, source,
-- idempotency_key, request_hash, corrects_event_id and created_by (the bulk
-- path, app.insert_events_bulk): app.ledger_canonical_shared_v1 writes those
-- elements once per statement (by json_build_array, as above: the two runs of
-- elements between the row's own), and app.ledger_canonical_row_v1
-- concatenates each row's elements around them as json_build_array writes
-- them (numbers as digits, uuids, enum labels and timestamps as JSON strings,
-- jsonb as its text). About half the cost of json_build_array per row (it
-- looks up each argument's type per call); to_json only for the timestamp:
-- a uuid's text and the event types' labels need no JSON escape, so they are
-- quoted as they are (to_json looked up their types per row too: ~0.04 s per
-- 100,000 rows). sql/tests/186_bulk_path.sql checks both give the same bytes,
-- for every event type.
create or replace function app.ledger_canonical_shared_v1(
    p_recorded_at timestamptz, p_source text, p_idempotency_key text, p_request_hash text,
    p_corrects_event_id bigint, p_created_by text
) returns text[]
language sql stable
as $$
    -- each run without the brackets of its array
    select array[substr(a, 2, length(a) - 2), substr(b, 2, length(b) - 2)]
    from (
        select
            json_build_array(p_recorded_at at time zone 'UTC', p_source, p_idempotency_key, p_request_hash)::text as a,
            json_build_array(p_corrects_event_id, p_created_by)::text as b
    ) as runs
$$;
comment on function app.ledger_canonical_shared_v1(timestamptz, text, text, text, bigint, text) is
'The canonical encoding v1''s elements shared by many rows, written once: for app.ledger_canonical_row_v1.';

create or replace function app.ledger_canonical_row_v1(
    p_id bigint, p_employee_id uuid, p_event_type app.event_type, p_occurred_at timestamptz, p_payload jsonb,
    p_shared text[]
) returns bytea
language sql stable
as $$
    select convert_to(
        '["hithonix-ledger-v1", ' || p_id::text
        || ', "' || p_employee_id::text
        || '", "' || p_event_type::text
        || '", ' || to_json(p_occurred_at at time zone 'UTC')::text
        || ', ' || p_shared[1]
        || ', ' || coalesce(p_payload::text, 'null')
        || ', ' || p_shared[2] || ']',
        'UTF8'
    )
$$;
comment on function app.ledger_canonical_row_v1(bigint, uuid, app.event_type, timestamptz, jsonb, text[]) is
'app.ledger_canonical_v1''s bytes from a row''s own elements and the shared ones (app.ledger_canonical_shared_v1).';

-- Volatility: json_build_array and convert_to are STABLE, so the encoding is
-- declared STABLE too; a SQL function that claimed more would not be inlined
-- into the trigger's expression and the verification's scan.

-- One link: the hash of a row given its predecessor's (NULL: the first row).
create or replace function app.ledger_link(p_previous bytea, p_canonical bytea) returns bytea
language sql immutable
as $$
    select sha256(coalesce(p_previous, '\x'::bytea) || p_canonical)
$$;
comment on function app.ledger_link(bytea, bytea) is
'A chain link: sha256(previous chain_hash, empty for the first row || canonical bytes).';

-- The state function of app.ledger_chain: the running hash, started from the
-- employee's head (p_start) on the first row of the window.
-- PL/pgSQL, not SQL: an aggregate's state function is called per row and a
-- SQL function is not inlined there (its executor set up per call: a third
-- more than this simple expression). The same link as app.ledger_link.
create or replace function app.ledger_chain_step(p_state bytea, p_start bytea, p_canonical bytea) returns bytea
language plpgsql immutable
as $$
begin
    return sha256(coalesce(p_state, p_start, '\x'::bytea) || p_canonical);
end
$$;
comment on function app.ledger_chain_step(bytea, bytea, bytea) is
'State function of app.ledger_chain: one link on the running hash (the head on the first row).';

drop aggregate if exists app.ledger_chain(bytea, bytea);  -- noqa: LT01
create aggregate app.ledger_chain(bytea, bytea) (  -- noqa: LT01
    sfunc = app.ledger_chain_step,
    stype = bytea
);
comment on aggregate app.ledger_chain(bytea, bytea) is  -- noqa: LT01
'ledger_chain(head_hash, canonical) over (partition by employee_id order by <chain order>): each row''s chain_hash.';

-- The employees' chain heads, locked (created when missing, at position 0),
-- in employee_id order. The first lock every writer of an employee takes
-- (app.lock_employee and app.lock_employees start with it; the chain trigger
-- upserts the head of a row whose writer took no lock): it serialises the
-- writers of one employee and keeps the chain from forking.
create or replace function app.lock_ledger_chain_heads(p_employee_ids uuid[]) returns void
language plpgsql volatile
as $$
declare
    v_ids uuid[] := array(select distinct x from unnest(p_employee_ids) as x where x is not null order by x);
    v_locked integer;
begin
    perform 1 from app.ledger_chain_heads as h where h.employee_id = any(v_ids) order by h.employee_id for update;
    get diagnostics v_locked = row_count;
    if v_locked < cardinality(v_ids) then
        insert into app.ledger_chain_heads (employee_id)
        select x from unnest(v_ids) as x order by x
        on conflict (employee_id) do nothing;
        perform 1 from app.ledger_chain_heads as h where h.employee_id = any(v_ids) order by h.employee_id for update;
    end if;
end
$$;
comment on function app.lock_ledger_chain_heads(uuid[]) is
'Lock the employees'' ledger chain heads (created at position 0 when missing), in employee_id order.';

-- The same for one employee (every live punch takes it): two index lookups at
-- most, no array to build.
create or replace function app.lock_ledger_chain_head(p_employee_id uuid) returns void
language plpgsql volatile
as $$
begin
    perform 1 from app.ledger_chain_heads as h where h.employee_id = p_employee_id for update;
    if not found then
        insert into app.ledger_chain_heads (employee_id) values (p_employee_id) on conflict (employee_id) do nothing;
        perform 1 from app.ledger_chain_heads as h where h.employee_id = p_employee_id for update;
    end if;
end
$$;
comment on function app.lock_ledger_chain_head(uuid) is
'Lock one employee''s ledger chain head (created at position 0 when missing).';

-- Chain one row (p_event as it will be stored: its canonical bytes are final
-- once the server-owned recorded_at is set; the chain columns, the sync
-- columns and business_date_ist are outside them): advance the employee's
-- head by one link in one statement and return the row with its chain_seq
-- and chain_hash. The UPDATE takes the head's row lock, the same lock as
-- app.lock_employee (held to commit; an UPDATE that waited re-reads the
-- latest head); a missing head is inserted, ON CONFLICT for a racing first
-- row. Callers: the chain trigger (_490_chain, any row whose writer did not
-- chain it) and the live step (app.apply_live_punch), for which this is the
-- employee's lock and its link at once.
create or replace function app.ledger_chain_advance(p_event app.attendance_events)
returns app.attendance_events
language plpgsql volatile
as $$
declare
    v_canonical constant bytea := app.ledger_canonical(p_event);
begin
    update app.ledger_chain_heads as h
    set chain_seq = h.chain_seq + 1, chain_hash = app.ledger_link(h.chain_hash, v_canonical), event_id = p_event.id
    where h.employee_id = p_event.employee_id
    returning h.chain_seq, h.chain_hash into p_event.chain_seq, p_event.chain_hash;
    if not found then
        insert into app.ledger_chain_heads as h (employee_id, chain_seq, chain_hash, event_id)
        values (p_event.employee_id, 1, app.ledger_link(null, v_canonical), p_event.id)
        on conflict (employee_id) do update
            set chain_seq = h.chain_seq + 1,
                chain_hash = app.ledger_link(h.chain_hash, v_canonical),
                event_id = excluded.event_id
        returning h.chain_seq, h.chain_hash into p_event.chain_seq, p_event.chain_hash;
    end if;
    return p_event;
end
$$;
comment on function app.ledger_chain_advance(app.attendance_events) is
'Chain one ledger row: advance (lock) its employee''s head by one link; the row with chain_seq and chain_hash.';

-- The first broken link of an employee's chain, or NULL when every link in
-- the range holds. The range is the part of the chain recorded between
-- p_from and p_to (IST dates of recorded_at; NULL: open end): from the first
-- row recorded on or after p_from to the last recorded on or before p_to,
-- every row between them in chain order included. Each link is checked on
-- its own (the stored hash of the predecessor, the row's canonical bytes), so
-- the first failing link is where the tampering is. Problems:
--   DUPLICATE_SEQ  two rows claim one position
--   MISSING_ROW    a position is missing (a deleted row)
--   HASH_MISMATCH  the row's hash is not the link of its predecessor and its
--                  own columns (a changed business column or hash)
--   HEAD_MISMATCH  the employee's head is not the last row (a deleted or
--                  rewritten tail; checked when the range reaches the end)
create or replace function app.ledger_first_break(p_employee_id uuid, p_from date, p_to date) returns jsonb
language sql stable
as $$
    with rows as (
        select
            ev.id, ev.chain_seq, ev.chain_hash, app.ledger_canonical(ev) as canonical,
            app.ist_date(ev.recorded_at) as recorded_on
        from app.attendance_events as ev
        where ev.employee_id = p_employee_id
    ),
    span as (
        select
            case when p_from is null then 1 else min(r.chain_seq) filter (where r.recorded_on >= p_from) end as lo,
            max(r.chain_seq) filter (where p_to is null or r.recorded_on <= p_to) as hi,
            max(r.chain_seq) as last_seq
        from rows as r
    ),
    links as (
        select
            r.*,
            lag(r.chain_seq) over w as prev_seq,
            lag(r.chain_hash) over w as prev_hash,
            count(*) over (partition by r.chain_seq) as claims
        from rows as r
        cross join span as s
        -- the predecessor of the first row checked is read, not checked
        where r.chain_seq between s.lo - 1 and s.hi
        window w as (order by r.chain_seq, r.id)
    ),
    problems as (
        select 1 as rank, l.chain_seq, l.id,
            case
                when l.claims > 1 then 'DUPLICATE_SEQ'
                when l.chain_seq <> coalesce(l.prev_seq, 0) + 1 then 'MISSING_ROW'
                else 'HASH_MISMATCH'
            end as problem,
            l.chain_hash as stored,
            app.ledger_link(l.prev_hash, l.canonical) as expected
        from links as l
        cross join span as s
        where l.chain_seq >= s.lo
            and (
                l.claims > 1
                or l.chain_seq <> coalesce(l.prev_seq, 0) + 1
                or l.chain_hash is distinct from app.ledger_link(l.prev_hash, l.canonical)
            )
        union all
        select 2, h.chain_seq, h.event_id, 'HEAD_MISMATCH', h.chain_hash, last.chain_hash
        from app.ledger_chain_heads as h
        cross join span as s
        left join rows as last on last.chain_seq = s.last_seq
        where h.employee_id = p_employee_id
            and (p_to is null or s.hi is not distinct from s.last_seq)
            and (h.chain_seq is distinct from coalesce(s.last_seq, 0) or h.chain_hash is distinct from last.chain_hash)
    )
    select jsonb_build_object(
        'ok', false,
        'employee_id', p_employee_id,
        'chain_seq', p.chain_seq,
        'event_id', p.id,
        'problem', p.problem,
        'stored_hash', encode(p.stored, 'hex'),
        'expected_hash', encode(p.expected, 'hex')
    )
    from problems as p
    order by p.rank, p.chain_seq nulls first, p.id
    limit 1
$$;
comment on function app.ledger_first_break(uuid, date, date) is
'Owner: the first broken link of an employee''s hash chain in a recorded-at range (NULL: none).';

-- hr_admin (POST /rpc/verify_ledger): the first broken link, or ok with the
-- head's position. Reading the whole chain of one employee is bounded by
-- their ledger (a few thousand rows a year) and by hr_admin's statement
-- timeout.
create or replace function app.verify_ledger(p_employee_id uuid, p_from date, p_to date) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_break jsonb;
begin
    perform app.require_role(array['hr_admin']);
    if not exists (select 1 from app.employees as e where e.id = p_employee_id) then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    if p_from > p_to then
        perform app.fail(422, 'INVALID_ARGUMENT', 'from_date must not be after to_date.');
    end if;
    v_break := app.ledger_first_break(p_employee_id, p_from, p_to);
    if v_break is not null then
        return v_break;
    end if;
    return jsonb_build_object(
        'ok', true,
        'employee_id', p_employee_id,
        'head_seq', coalesce((select h.chain_seq from app.ledger_chain_heads as h where h.employee_id = p_employee_id), 0)
    );
end
$$;
comment on function app.verify_ledger(uuid, date, date) is
'hr_admin: verify an employee''s ledger hash chain; the first broken link, or ok.';
grant execute on function app.verify_ledger(uuid, date, date) to hr_admin;
