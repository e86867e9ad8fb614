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
returns table (n bigint, business_date_ist date)
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
            s.employee_id,
            p.max_shift,
            min(s.occurred_at) - p.max_shift as since,
            max(s.occurred_at) as until
        from staged as s
        inner join app.employees as e on e.id = s.employee_id
        cross join lateral (
            select make_interval(hours => coalesce(
                (e.shift_config ->> 'max_shift_hours')::integer,
                (select (x.value #>> '{}')::integer from app.settings as x where x.key = 'max_shift_hours')
            )) as max_shift
        ) as p
        group by s.employee_id, p.max_shift
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
    numbered as (
        -- each row with the number of shift edges strictly before it
        select
            t.*,
            coalesce(count(*) filter (where t.event_type in ('CLOCK_IN', 'CLOCK_OUT')) over (
                partition by t.employee_id order by t.occurred_at, t.staged, t.seq
                rows between unbounded preceding and 1 preceding
            ), 0) as edges_before
        from timeline as t
    ),
    edge_list as (
        select
            t.employee_id, t.event_type, t.occurred_at, t.edge_date,
            row_number() over (partition by t.employee_id order by t.occurred_at, t.staged, t.seq) as k
        from timeline as t
        where t.event_type in ('CLOCK_IN', 'CLOCK_OUT')
    )
    select
        x.n,
        case
            when x.event_type <> 'CLOCK_IN' and e.event_type = 'CLOCK_IN' and x.occurred_at - e.occurred_at < r.max_shift
                then e.edge_date
            else app.ist_date(x.occurred_at)
        end
    from numbered as x
    inner join reach as r on r.employee_id = x.employee_id
    left join edge_list as e on e.employee_id = x.employee_id and e.k = x.edges_before
    where x.n is not null
$$;
comment on function app.import_business_dates(uuid[], app.event_type[], timestamptz[]) is
'Business dates of staged events (parallel arrays), set-based: the rule of app.business_date_for.';

create or replace function app.import_events_v1(
    p_employee_ids uuid[], p_event_types app.event_type[], p_occurred_at timestamptz[], p_created_by text
)
returns integer
language plpgsql volatile
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
    select s.employee_id, s.event_type, s.occurred_at, d.business_date_ist, 'import', p_created_by
    from unnest(p_employee_ids, p_event_types, p_occurred_at) with ordinality as s (
        employee_id, event_type, occurred_at, n
    )
    inner join app.import_business_dates(p_employee_ids, p_event_types, p_occurred_at) as d on d.n = s.n
    order by s.employee_id, s.occurred_at, s.n;
    get diagnostics v_count = row_count;
    perform set_config('hithonix.import_business_dates', 'off', true);
    return v_count;
end
$$;
comment on function app.import_events_v1(uuid[], app.event_type[], timestamptz[], text) is
'Owner: import punches (source import) set-based: dates by window functions, one lock per employee.';
