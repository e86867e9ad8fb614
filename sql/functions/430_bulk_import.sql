-- The set-based bulk path for history (owner imports, the benchmark's loader,
-- the coming CSV import): many events of many employees in one statement.
--
-- Per row the ledger's BEFORE INSERT trigger would look up the open shift that
-- owns each event (one index probe per row). Here the business dates come from
-- window functions over the staged rows plus, per employee, the shift edges
-- already in the ledger within reach (one index range per employee). The
-- trigger keeps a date given this way only while app.import_events_v1 runs
-- (hithonix.import_business_dates, transaction-local) and only for the
-- table's owner; everywhere else it computes the date itself. One lock per
-- employee (app.lock_employees), then one INSERT: the statement trigger derives
-- every touched day in one ordered pass and writes the outbox in one insert.
-- Foreign keys are still checked per row: PostgreSQL has no set-based check
-- for an INSERT.

create or replace function app.import_business_dates(
    p_employee_ids uuid[], p_event_types app.event_type[], p_occurred_at timestamptz[]
)
returns table (n bigint, employee_id uuid, event_type app.event_type, occurred_at timestamptz, business_date_ist date)
language sql stable
as $$
    with staged as (
        select s.n, s.employee_id, s.event_type, s.occurred_at
        from unnest(p_employee_ids, p_event_types, p_occurred_at) with ordinality as s (
            employee_id, event_type, occurred_at, n
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
        -- at equal times the ledger's rows come first, staged rows in their given order
        select
            ev.employee_id, ev.event_type, ev.occurred_at, ev.business_date_ist as edge_date,
            0 as staged, ev.id as seq, null::bigint as n
        from reach as r
        inner join app.attendance_events as ev
            on ev.employee_id = r.employee_id
            and ev.event_type in ('CLOCK_IN', 'CLOCK_OUT')
            and ev.occurred_at >= r.since
            and ev.occurred_at <= r.until
        where not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
        union all
        select s.employee_id, s.event_type, s.occurred_at, app.ist_date(s.occurred_at), 1, s.n, s.n
        from staged as s
    ),
    grouped as (
        -- g: the number of shift edges up to and including each row
        select
            t.*,
            count(*) filter (where t.event_type in ('CLOCK_IN', 'CLOCK_OUT')) over (
                partition by t.employee_id order by t.occurred_at, t.staged, t.seq rows unbounded preceding
            ) as g
        from timeline as t
    ),
    latest as (
        -- the latest edge up to and including each row: the first row of its group
        select
            x.*,
            first_value(x.event_type) over w as incl_type,
            first_value(x.occurred_at) over w as incl_at,
            first_value(x.edge_date) over w as incl_date
        from grouped as x
        window w as (partition by x.employee_id, x.g order by x.occurred_at, x.staged, x.seq)
    ),
    before as (
        -- the latest edge strictly before each row: the previous row's
        select
            y.n, y.employee_id, y.event_type, y.occurred_at,
            lag(y.g) over w as prev_g,
            lag(y.incl_type) over w as edge_type,
            lag(y.incl_at) over w as edge_at,
            lag(y.incl_date) over w as edge_date
        from latest as y
        window w as (partition by y.employee_id order by y.occurred_at, y.staged, y.seq)
    )
    select
        b.n,
        b.employee_id,
        b.event_type,
        b.occurred_at,
        case
            when b.event_type <> 'CLOCK_IN' and b.prev_g > 0 and b.edge_type = 'CLOCK_IN'
                and b.occurred_at - b.edge_at < r.max_shift
                then b.edge_date
            else app.ist_date(b.occurred_at)
        end
    from before as b
    inner join reach as r on r.employee_id = b.employee_id
    where b.n is not null
$$;
comment on function app.import_business_dates(uuid[], app.event_type[], timestamptz[]) is
'Business dates of staged events (parallel arrays), set-based: the rule of app.business_date_for.';

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
    perform app.lock_employees(p_employee_ids);
    perform set_config('hithonix.import_business_dates', 'on', true);
    insert into app.attendance_events (employee_id, event_type, occurred_at, business_date_ist, source, created_by)
    select d.employee_id, d.event_type, d.occurred_at, d.business_date_ist, 'import', p_created_by
    from app.import_business_dates(p_employee_ids, p_event_types, p_occurred_at) as d
    order by d.employee_id, d.occurred_at, d.n;
    get diagnostics v_count = row_count;
    perform set_config('hithonix.import_business_dates', 'off', true);
    return v_count;
end
$$;
comment on function app.import_events_v1(uuid[], app.event_type[], timestamptz[], text) is
'Owner: import punches (source import) set-based: dates by window functions, one lock per employee.';
