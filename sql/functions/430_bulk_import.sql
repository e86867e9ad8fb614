-- The set-based bulk path for history (owner imports, the benchmark's loader,
-- the CSV import): many events of many employees in one statement.
--   import_business_dates  business dates of staged rows, set-based
--   insert_events_bulk     THE bulk INSERT into the ledger (every bulk caller)
--   import_events_v1       the owner's entry: arrays in, row count out
--
-- Per row the ledger's BEFORE INSERT trigger would look up the open shift that
-- owns each event (one index probe per row). Here the business dates come from
-- window functions over the staged rows plus, per employee, the shift edges
-- already in the ledger within reach (one index range per employee). The
-- trigger keeps a date given this way only while app.insert_events_bulk runs
-- (hithonix.import_business_dates, transaction-local) and only for the
-- table's owner; everywhere else it computes the date itself; rows that carry
-- every server-owned value as it would set them skip it altogether (its WHEN).
-- One lock per employee (app.lock_employees, taken by app.insert_events_bulk
-- before it reads the ledger), then one INSERT:
-- the statement trigger derives every touched day in one ordered pass and
-- writes the outbox in one insert. Foreign keys are still checked per row:
-- PostgreSQL has no set-based check for an INSERT.

-- (the three-argument version, before p_payloads)
drop function if exists app.import_business_dates(uuid[], app.event_type[], timestamptz[]);

-- n is the row's position in the arrays; p_payloads (parallel, optional) is
-- carried through to each row's payload, so callers need no join on n (a join
-- on a function's output the planner cannot estimate: it took 100,000 x
-- 100,000 / 200 rows for the result and planned sorts for 50 million rows).
create or replace function app.import_business_dates(
    p_employee_ids uuid[], p_event_types app.event_type[], p_occurred_at timestamptz[], p_payloads jsonb[] default null
)
returns table (
    n bigint, employee_id uuid, event_type app.event_type, occurred_at timestamptz, business_date_ist date,
    payload jsonb
)
language sql stable
as $$
    with staged as (
        select s.n, s.employee_id, s.event_type, s.occurred_at, s.payload
        from unnest(p_employee_ids, p_event_types, p_occurred_at, p_payloads) with ordinality as s (
            employee_id, event_type, occurred_at, payload, n
        )
    ),
    reach as (
        -- per employee: how long a shift can own an event, and the span to look at
        select
            k.employee_id,
            p.max_shift,
            k.first_at - p.max_shift as since,
            k.last_at as until
        from (
            select s.employee_id, min(s.occurred_at) as first_at, max(s.occurred_at) as last_at
            from staged as s
            group by s.employee_id
        ) as k
        inner join app.employees as e on e.id = k.employee_id
        cross join lateral (
            select make_interval(hours => coalesce(
                (e.shift_config ->> 'max_shift_hours')::integer,
                (select (x.value #>> '{}')::integer from app.settings as x where x.key = 'max_shift_hours')
            )) as max_shift
        ) as p
    ),
    timeline as (
        -- the ledger's own shift edges within reach (not voided), then the staged rows;
        -- at equal times the ledger's rows come first (in id order), staged rows in
        -- their given order: one key, seq, orders both (a ledger row's is its id
        -- shifted below every position n >= 1), so the dates come out ordered by
        -- (employee_id, occurred_at, n), the order app.insert_events_bulk chains
        -- and inserts them in, with no sort of its own
        select
            ev.employee_id, ev.event_type, ev.occurred_at, ev.business_date_ist as edge_date,
            ev.id - 9223372036854775807 as seq, null::jsonb as payload, r.max_shift
        from reach as r
        inner join app.attendance_events as ev
            on ev.employee_id = r.employee_id
            and ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')
            and ev.occurred_at >= r.since
            and ev.occurred_at <= r.until
        where not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
        union all
        select s.employee_id, s.event_type, s.occurred_at, app.ist_date(s.occurred_at), s.n, s.payload, r.max_shift
        from staged as s
        inner join reach as r on r.employee_id = s.employee_id
    ),
    edged as (
        -- the latest shift edge strictly before each row, in ONE window pass:
        -- edges only, each as an array that sorts in timeline order (instant in
        -- microseconds, seq), carrying whether it is a CLOCK_IN and its date
        -- (days since 2000-01-01); the greatest of those before the row is the
        -- latest. Its instant, exactly, is the greatest edge instant before
        -- the row (instants never decrease in timeline order).
        select
            t.*,
            max(t.occurred_at) filter (where t.event_type in ('CLOCK_IN', 'CLOCK_OUT')) over w as edge_at,
            max(array[
                (extract(epoch from t.occurred_at) * 1000000)::bigint, t.seq,
                (t.event_type = 'CLOCK_IN')::integer, t.edge_date - date '2000-01-01'
            ]) filter (where t.event_type in ('CLOCK_IN', 'CLOCK_OUT')) over w as edge
        from timeline as t
        window w as (
            partition by t.employee_id order by t.occurred_at, t.seq
            rows between unbounded preceding and 1 preceding
        )
    )
    -- n is seq itself (a staged row's seq is its n), so the order of the
    -- window pass is the order asked for: no sort here (the planner knows it),
    -- and a caller that asks for (employee_id, occurred_at, n) sorts nothing
    select
        b.seq,
        b.employee_id,
        b.event_type,
        b.occurred_at,
        case
            when b.event_type <> 'CLOCK_IN' and b.edge[3] = 1 and b.occurred_at - b.edge_at < b.max_shift
                then date '2000-01-01' + b.edge[4]::integer
            else b.edge_date
        end,
        b.payload
    from edged as b
    where b.seq > 0
    order by b.employee_id, b.occurred_at, b.seq
$$;
comment on function app.import_business_dates(uuid[], app.event_type[], timestamptz[], jsonb[]) is
'Business dates of staged events (parallel arrays), set-based: the rule of app.business_date_for.';

-- THE bulk write of the ledger: every set-based path (app.import_events_v1,
-- the CSV import's app.import_apply) inserts through here, so whatever the
-- ledger needs per row on the bulk path is added once, set-based, here. It
-- takes the employees' locks itself (app.lock_employees: the chain heads),
-- before the dates read the ledger; a caller that locked them already (the
-- CSV import reads the ledger first) re-takes its own locks. One INSERT in
-- (employee, time, position) order, source 'import'; p_payloads parallel to
-- the other arrays or null ('{}' each). Returns the new rows' ids and payloads
-- (a caller that must map rows back puts its key in the payload).
create or replace function app.insert_events_bulk(
    p_employee_ids uuid[],
    p_event_types app.event_type[],
    p_occurred_at timestamptz[],
    p_payloads jsonb[],
    p_created_by text
)
returns table (id bigint, payload jsonb)
language plpgsql volatile
set work_mem = '64MB'
set jit = off
as $$
declare
    -- looked up once: pg_get_serial_sequence in the SELECT list ran per row
    -- (a catalog lookup each, ~3.5 us of the row's cost)
    v_ids constant regclass := pg_get_serial_sequence('app.attendance_events', 'id')::regclass;
    -- the canonical elements every row shares (recorded_at, source, no key,
    -- no request hash, no corrected event, created_by), written once
    v_shared constant text[] := app.ledger_canonical_shared_v1(now(), 'import', null, null, null, p_created_by);
begin
    -- every row names its employee, type and instant, for every bulk caller:
    -- the dates' join with the employees would drop a row without an
    -- employee, silently
    if array_position(p_employee_ids, null) is not null
        or array_position(p_event_types, null) is not null
        or array_position(p_occurred_at, null) is not null then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'Every row needs an employee id, an event type and an instant.',
            jsonb_build_object('row', least(
                array_position(p_employee_ids, null), array_position(p_event_types, null),
                array_position(p_occurred_at, null)
            ))
        );
    end if;
    perform set_config('hithonix.import_business_dates', 'on', true);
    -- the hash chain set-based (sql/functions/700_ledger_chain.sql): ids drawn
    -- in insert order, each employee's rows chained from their locked head by
    -- the running aggregate, the heads moved once; the chain trigger skips rows
    -- that carry their link (its WHEN: this setting, the owner)
    perform app.lock_employees(p_employee_ids);
    perform set_config('hithonix.ledger_chain_given', 'on', true);
    -- one pass in (employee_id, occurred_at, n) order, the order the dates
    -- come out in (app.import_business_dates): the merge join with the heads
    -- keeps it, ids are drawn in it (nextval above the join: after any sort),
    -- the running chain follows it (a row's id is part of its canonical
    -- bytes, so the chain is computed above the ids), and the rows are
    -- inserted in it, which is id order: no sort, no materialized stage
    return query
    with inserted as (
        -- every server-owned column as _100_prepare would set it, so its WHEN
        -- skips the PL/pgSQL call for these rows
        insert into app.attendance_events (
            id, employee_id, event_type, occurred_at, business_date_ist, source, payload, created_by, recorded_at,
            sync_status, attempt_count, chain_seq, chain_hash
        )
        overriding system value
        select
            c.id, c.employee_id, c.event_type, c.occurred_at, c.business_date_ist, 'import', c.payload,
            p_created_by, now(),
            case when c.event_type in ('CLOCK_IN', 'CLOCK_OUT') then 'PENDING' else 'SKIPPED' end::app.sync_status, 0,
            coalesce(c.head_seq, 0) + row_number() over w,
            app.ledger_chain(
                c.head_hash,
                app.ledger_canonical_row_v1(c.id, c.employee_id, c.event_type, c.occurred_at, c.payload, v_shared)
            ) over w
        from (
            select
                d.employee_id, d.event_type, d.occurred_at, d.n, d.business_date_ist,
                coalesce(d.payload, '{}') as payload, h.chain_seq as head_seq, h.chain_hash as head_hash,
                nextval(v_ids) as id
            from app.import_business_dates(p_employee_ids, p_event_types, p_occurred_at, p_payloads) as d
            left join app.ledger_chain_heads as h on h.employee_id = d.employee_id
            order by d.employee_id, d.occurred_at, d.n
        ) as c
        window w as (partition by c.employee_id order by c.occurred_at, c.n rows unbounded preceding)
        returning
            attendance_events.id, attendance_events.payload, attendance_events.employee_id,
            attendance_events.chain_seq, attendance_events.chain_hash
    ),
    moved as (
        -- each employee's last row (highest chain_seq) moves the head: the
        -- highest per employee by a hash aggregate, then that row by a hash
        -- join (the sort a DISTINCT ON needs, chain_seq descending, is a full
        -- sort of every row)
        update app.ledger_chain_heads as h
        set chain_seq = i.chain_seq, chain_hash = i.chain_hash, event_id = i.id
        from (
            select x.employee_id, max(x.chain_seq) as chain_seq
            from inserted as x
            group by x.employee_id
        ) as l
        inner join inserted as i on i.employee_id = l.employee_id and i.chain_seq = l.chain_seq
        where h.employee_id = l.employee_id
        returning h.employee_id
    )
    select i.id, i.payload from inserted as i;
    perform set_config('hithonix.ledger_chain_given', 'off', true);
    perform set_config('hithonix.import_business_dates', 'off', true);
end
$$;
comment on function app.insert_events_bulk(uuid[], app.event_type[], timestamptz[], jsonb[], text) is
'The bulk path''s one INSERT into the ledger (source import): the employees locked, dates set-based.';

create or replace function app.import_events_v1(
    p_employee_ids uuid[], p_event_types app.event_type[], p_occurred_at timestamptz[], p_created_by text
)
returns integer
language plpgsql volatile
-- the sorts of a 100,000-row statement (dates, days) stay in memory; its row
-- counts are unknown to the planner (arrays), so no JIT for a misestimate
set work_mem = '64MB'
set jit = off
as $$
declare
    v_count integer;
begin
    if cardinality(p_employee_ids) is distinct from cardinality(p_event_types)
        or cardinality(p_employee_ids) is distinct from cardinality(p_occurred_at) then
        perform app.fail(422, 'INVALID_ARGUMENT', 'employee_ids, event_types and occurred_at must be parallel.');
    end if;
    if 'VOID' = any(p_event_types) then
        perform app.fail(422, 'INVALID_ARGUMENT', 'An import records punches; a VOID goes through void_event.');
    end if;
    -- app.insert_events_bulk takes the employees' locks (one distinct sort of
    -- the 100,000 ids, not two: ~0.03 s each)
    select count(*) into v_count
    from app.insert_events_bulk(p_employee_ids, p_event_types, p_occurred_at, null, p_created_by);
    return v_count;
end
$$;
comment on function app.import_events_v1(uuid[], app.event_type[], timestamptz[], text) is
'Owner: import punches (source import) set-based: dates by window functions, one lock per employee.';
