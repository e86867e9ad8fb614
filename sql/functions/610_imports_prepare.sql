-- Imports, part 2: prepare. A file's lines become one batch and its rows in
-- one set-based INSERT … SELECT: candidates parsed per format, then every
-- outcome decided in SQL — ERROR (unknown or ambiguous employee, unknown event
-- type, unreadable or future time, unknown zone, employee inactive that day,
-- note too long), DUPLICATE (the same employee, type and instant earlier in the
-- file), SKIPPED (already in the ledger), VALID. A structurally broken file
-- (header, quoting, field count, line length, no punches) is refused whole with
-- 400 and its line and column: the raise rolls back the batch and its rows.

-- The punches a file's lines hold, before validation. CSV: one per data line.
-- DingTalk: one per non-blank clock cell (up to three shifts a day); 次日 marks
-- a time on the next day. A line that is not well-formed yields one row with
-- malformed set (LINE_TOO_LONG, BAD_QUOTING, WRONG_FIELD_COUNT). row_no
-- numbers them 1..n in file order (line, then column), sorted here on the
-- line number alone (already in order) rather than later with every column
-- (a window over the validated rows copied all 100,000 of them, ~0.1 s).
drop function if exists app.import_candidates(text, text[], text[], text, integer);
create or replace function app.import_candidates(
    p_format text, p_lines text[], p_header text[], p_zone text, p_max_line integer
) returns table (
    row_no integer,
    line_no integer,
    column_no integer,
    employee_ref text,
    event_type_raw text,
    local_time text,
    local_ts timestamp,
    time_zone text,
    note text,
    malformed text
)
language plpgsql stable
-- sized for the large files the plans matter for (the default 1000 planned a
-- 100,000-row file's joins as merge joins, each with a sort of the file)
rows 100000
as $$
declare
    v_pos integer[];
begin
    if p_format = 'csv' then
        -- every layer computed once per line (offset 0 keeps the planner from
        -- copying an expression into each use of it: the reason CASE was
        -- evaluated four times, the rtrim five), the time read by an inlined
        -- expression: no function call per row
        return query
        select
            p.row_no, p.n, p.column_no, p.employee_ref, p.event_type_raw, p.local_time,
            app.import_local_timestamp(p.local_time), p.time_zone, p.note, p.reason
        from (
            select
                x.row_no::integer as row_no,
                x.n::integer as n,
                case
                    when x.reason = 'LINE_TOO_LONG' then p_max_line + 1
                    when x.reason = 'WRONG_FIELD_COUNT' then least(cardinality(x.f), 5) + 1
                    when x.reason = 'BAD_QUOTING' then app.import_csv_error_column(x.line)
                    else 3
                end as column_no,
                btrim(x.f[1]) as employee_ref,
                upper(btrim(x.f[2])) as event_type_raw,
                btrim(x.f[3]) as local_time,
                coalesce(nullif(btrim(x.f[4]), ''), p_zone) as time_zone,
                nullif(btrim(x.f[5]), '') as note,
                x.reason
            from (
                select
                    l.row_no, l.n, l.line, l.f,
                    case
                        when l.too_long then 'LINE_TOO_LONG'
                        when l.f is null then 'BAD_QUOTING'
                        when cardinality(l.f) <> 5 then 'WRONG_FIELD_COUNT'
                    end as reason
                from (
                    select r.row_no, r.n, r.line, r.too_long, app.import_line_fields(r.line, p_max_line) as f
                    from (
                        select
                            row_number() over (order by u.n) as row_no, u.n, u.line,
                            -- bytes first: a character count walks the line
                            octet_length(u.line) > p_max_line and length(u.line) > p_max_line as too_long
                        from (select rtrim(v.raw, E'\r') as line, v.n from unnest(p_lines) with ordinality as v (raw, n) offset 0) as u
                        -- not blank: a first character other than a space says so
                        -- without btrim, which measures every character of the line
                        where u.n > 1 and u.line <> '' and (ascii(u.line) <> 32 or btrim(u.line) <> '')
                    ) as r
                    offset 0
                ) as l
                offset 0
            ) as x
            offset 0
        ) as p;
        return;
    end if;

    select array_agg(array_position(p_header, c.name) order by c.k) into v_pos
    from unnest(app.import_dingtalk_columns()) with ordinality as c (name, k);
    return query
    with lines as (
        select
            l.n::integer as n,
            l.line,
            p.f,
            case
                when length(l.line) > p_max_line then 'LINE_TOO_LONG'
                when p.f is null then 'BAD_QUOTING'
                when cardinality(p.f) <> cardinality(p_header) then 'WRONG_FIELD_COUNT'
            end as reason
        from unnest(p_lines) with ordinality as r (raw, n)
        cross join lateral (select rtrim(r.raw, E'\r') as line, r.n) as l
        cross join lateral (select app.import_line_fields(l.line, p_max_line) as f offset 0) as p
        where l.n > 1 and btrim(l.line) <> ''
    )
    select (row_number() over (order by d.line_no, d.column_no))::integer, d.*
    from (
        select
            lines.n as line_no,
            case
                when lines.reason = 'LINE_TOO_LONG' then p_max_line + 1
                when lines.reason = 'WRONG_FIELD_COUNT' then least(cardinality(lines.f), cardinality(p_header)) + 1
                else app.import_csv_error_column(lines.line)
            end as column_no,
            null::text, null::text, null::text, null::timestamp, p_zone, null::text, lines.reason
        from lines
        where lines.reason is not null
        union all
        select
            lines.n,
            cell.col,
            btrim(lines.f[v_pos[2]]),
            case when cell.k % 2 = 1 then 'CLOCK_IN' else 'CLOCK_OUT' end,
            btrim(lines.f[v_pos[3]]) || ' ' || btrim(lines.f[cell.col]),
            app.import_dingtalk_time(app.import_dingtalk_date(lines.f[v_pos[3]]), lines.f[cell.col]),
            p_zone,
            null::text,
            null::text
        from lines
        cross join lateral (
            select s.k, v_pos[3 + s.k] as col
            from generate_series(1, 6) as s (k)
            where v_pos[3 + s.k] is not null
        ) as cell
        where lines.reason is null and not app.import_dingtalk_blank(lines.f[cell.col])
    ) as d;
end
$$;

-- The live punches (not VOIDs, not voided) of some employees whose business
-- dates fall in a range: what an import's rows are compared with to find the
-- ones already in the ledger (SKIPPED). One range scan of the day index per
-- employee, joined set-based with the file, never a probe per row. Callers
-- widen the range by two days before the file's first date (a night shift's
-- events belong to the day it started).
create or replace function app.import_ledger_punches(p_employee_ids uuid[], p_from date, p_to date)
returns table (employee_id uuid, event_type app.event_type, occurred_at timestamptz)
language sql stable
as $$
    select distinct ev.employee_id, ev.event_type, ev.occurred_at
    from app.attendance_events as ev
    left join app.attendance_events as x on x.corrects_event_id = ev.id
    where ev.employee_id = any(p_employee_ids)
        and ev.business_date_ist between p_from and p_to
        and ev.event_type <> 'VOID'
        and x.id is null
$$;

-- A staged value cut to its column's limit in characters: unchanged (and
-- not walked character by character, as left() does) when its bytes already
-- fit. Inlined: one CASE.
create or replace function app.import_clip(p_text text, p_max integer) returns text
language sql immutable
as $$
    select case when octet_length(p_text) <= p_max then p_text else left(p_text, p_max) end
$$;

-- A 400 for a file that cannot be read, with where it goes wrong.
create or replace function app.import_file_error(
    p_code text, p_line integer, p_column integer, p_reason text
) returns void
language plpgsql volatile
as $$
begin
    perform app.fail(
        400, p_code, format('line %s, column %s: %s', p_line, p_column, p_reason),
        jsonb_build_object('line', p_line, 'column', p_column, 'reason', p_reason)
    );
end
$$;

create or replace function app.import_stage(
    p_format text, p_lines text[], p_time_zone text default null, p_file_name text default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
-- the joins and sorts of a 100,000-row file stay in memory (at the default
-- 4 MB four of them spilled to disk); the planner cannot count the lines of
-- an array or a function's rows, so no JIT for a misestimate; and no merge
-- joins: with the file's rows against the employees, the planner's guesses
-- picked a merge join on the e-mail (a sort of the whole file and a copy of
-- it, ~0.09 s of 100,000 rows) where a hash join reads the file once
set work_mem = '64MB'
set jit = off
set enable_mergejoin = off
as $$
declare
    v_lines text[] := p_lines;
    v_zone text := coalesce(
        nullif(btrim(p_time_zone), ''), app.import_setting('import_default_time_zone') #>> '{}'
    );
    v_max_line integer := (app.import_setting('import_max_line_length') #>> '{}')::integer;
    v_max_rows integer := (app.import_setting('import_max_rows') #>> '{}')::integer;
    v_skew interval := make_interval(secs => (app.import_setting('clock_skew_seconds') #>> '{}')::integer);
    v_header text[];
    v_expected text[];
    v_missing text;
    v_bad record;
    v_batch bigint;
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    v_expires timestamptz := now() + make_interval(
        mins => (app.import_setting('import_token_ttl_minutes') #>> '{}')::integer
    );
    v_rows integer;
    v_summary jsonb;
    v_malformed_row integer;
begin
    perform app.require_role(array['hr_admin']);
    if p_format is null or p_format not in ('csv', 'dingtalk') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'format must be csv or dingtalk.');
    end if;
    if length(p_file_name) > 255 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'file_name is longer than 255 characters.');
    end if;
    if not app.import_zone_ok(v_zone) then
        perform app.fail(422, 'IMPORT_UNKNOWN_TIME_ZONE', format('Unknown time zone %L.', left(v_zone, 64)));
    end if;
    if cardinality(v_lines) > v_max_rows + 2 then
        perform app.fail(
            413, 'IMPORT_TOO_LARGE', format('The file has more than %s lines.', v_max_rows + 1),
            jsonb_build_object('max_rows', v_max_rows)
        );
    end if;
    if coalesce(cardinality(v_lines), 0) = 0 or btrim(v_lines[1], E' \r\uFEFF') = '' then
        perform app.import_file_error('IMPORT_EMPTY', 1, 1, 'the file is empty: a header line is expected');
    end if;

    -- the header: a byte-order mark (Excel) and CRLF are accepted
    v_lines[1] := rtrim(ltrim(v_lines[1], U&'\FEFF'), E'\r');
    if length(v_lines[1]) > v_max_line then
        perform app.import_file_error('IMPORT_BAD_HEADER', 1, v_max_line + 1, 'the header line is too long');
    end if;
    v_header := array(select btrim(h) from unnest(app.import_csv_fields(v_lines[1])) as h);
    if p_format = 'csv' then
        v_expected := app.import_csv_header();
        select h.k, coalesce(v_header[h.k], '(nothing)'), h.name into v_bad
        from unnest(v_expected) with ordinality as h (name, k)
        where lower(v_header[h.k]) is distinct from h.name
        order by h.k limit 1;
        if found or cardinality(v_header) <> cardinality(v_expected) then
            perform app.import_file_error(
                'IMPORT_BAD_HEADER', 1, coalesce(v_bad.k::integer, cardinality(v_expected) + 1),
                format('expected the header %s', array_to_string(v_expected, ','))
            );
        end if;
    else
        select string_agg(c.name, ', ') into v_missing
        from unnest(app.import_dingtalk_columns()) with ordinality as c (name, k)
        where c.k in (2, 3, 4, 5) and not c.name = any(v_header);
        if v_missing is not null or cardinality(v_header) = 0 then
            perform app.import_file_error(
                'IMPORT_BAD_HEADER', 1, 1,
                format('a DingTalk export needs the columns %s (missing: %s)', '工号, 日期, 上班1打卡时间, 下班1打卡时间', v_missing)
            );
        end if;
    end if;

    insert into app.import_batches (
        format, file_name, time_zone, token_hash, token_expires_at, line_count, row_count, counts, created_by
    ) values (
        p_format, p_file_name, v_zone, encode(sha256(convert_to(v_token, 'UTF8')), 'hex'), v_expires,
        cardinality(v_lines), 0, '{}', left(app.current_actor(), 200)
    )
    returning id into v_batch;

    -- one statement: parse, validate, insert, and count what was inserted
    -- (from the rows RETURNING gives back, not by reading the batch again)
    with candidates as (
        select * from app.import_candidates(p_format, v_lines, v_header, v_zone, v_max_line)
    ),
    zones as materialized (
        select z.time_zone, app.import_zone_ok(z.time_zone) as ok
        from (select distinct c.time_zone from candidates as c) as z
    ),
    -- who a reference names, with what the validation reads of them: an
    -- employee number or attendance number (refs) or an e-mail (emails); the
    -- employee's status and dates ride along, so no third join to employees
    -- (when a number names two employees the row is AMBIGUOUS, whichever
    -- employee's dates are carried)
    refs as (
        select
            r.ref, min(r.id::text)::uuid as id, count(distinct r.id) as matches,
            min(r.employment_status) as employment_status, min(r.date_of_joining) as date_of_joining,
            min(r.exit_date) as exit_date
        from (
            select e.employee_number as ref, e.id, e.employment_status, e.date_of_joining, e.exit_date
            from app.employees as e where e.employee_number is not null
            union all
            select e.attendance_number, e.id, e.employment_status, e.date_of_joining, e.exit_date
            from app.employees as e where e.attendance_number is not null
        ) as r
        group by r.ref
    ),
    emails as (
        select lower(e.email::text) as email, e.id, e.employment_status, e.date_of_joining, e.exit_date
        from app.employees as e
    ),
    checked as (
        -- offset 0: each value computed once per row (pulled up into the
        -- next layer, occurred_at's time zone conversion ran once per use)
        select
            c.*,
            coalesce(r.id, em.id) as employee_id,
            r.matches > 1 or r.id <> em.id as ambiguous,
            case when r.id is not null then r.employment_status else em.employment_status end as employment_status,
            case when r.id is not null then r.date_of_joining else em.date_of_joining end as date_of_joining,
            case when r.id is not null then r.exit_date else em.exit_date end as exit_date,
            case
                when c.event_type_raw in ('CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END')
                    then c.event_type_raw::app.event_type
            end as event_type,
            case when z.ok then c.local_ts at time zone c.time_zone end as occurred_at,
            z.ok as zone_ok
        from candidates as c
        inner join zones as z on z.time_zone = c.time_zone
        left join refs as r on r.ref = c.employee_ref
        -- an e-mail reference: a hash join on the lowered text (a join
        -- condition with the LIKE in it was a merge join, a sort of the file)
        left join emails as em on em.email = case when c.employee_ref like '%@%' then lower(c.employee_ref) end
        offset 0
    ),
    dated as (
        -- the business date, once per row (the validation and the span read it)
        select ch.*, app.ist_date(ch.occurred_at) as business_date from checked as ch offset 0
    ),
    errors as (
        select
            ch.*,
            case
                when ch.malformed is not null then 'MALFORMED'
                when coalesce(ch.employee_ref, '') = '' then 'MISSING_EMPLOYEE'
                when ch.employee_id is null then 'UNKNOWN_EMPLOYEE'
                when ch.ambiguous then 'AMBIGUOUS_EMPLOYEE'
                when ch.event_type is null then 'UNKNOWN_EVENT_TYPE'
                when ch.local_ts is null then 'INVALID_TIME'
                when not ch.zone_ok then 'UNKNOWN_TIME_ZONE'
                when ch.occurred_at > now() + v_skew then 'FUTURE_TIME'
                when ch.employment_status <> 'ACTIVE' and ch.exit_date is null
                    or ch.business_date < ch.date_of_joining
                    or ch.business_date > ch.exit_date then 'EMPLOYEE_INACTIVE'
                when length(ch.note) > 500 then 'NOTE_TOO_LONG'
            end as error_code
        from dated as ch
    ),
    span as (
        -- the valid rows' employees and dates, in one pass over them
        select
            array_agg(d.employee_id) as employee_ids, min(d.date_from) - 2 as date_from, max(d.date_to) as date_to
        from (
            select er.employee_id, min(er.business_date) as date_from, max(er.business_date) as date_to
            from errors as er
            where er.error_code is null
            group by er.employee_id
        ) as d
    ),
    repeated as (
        -- the punches the file holds more than once (usually none): one hash
        -- aggregate, so the rows stay in file order for the insert (a window
        -- over the same key sorted the whole file, then the primary key took
        -- the rows in that order)
        select er.employee_id, er.event_type, er.occurred_at, min(er.row_no) as first_row
        from errors as er
        where er.error_code is null
        group by er.employee_id, er.event_type, er.occurred_at
        having count(*) > 1
    ),
    in_ledger as (
        select lp.employee_id, lp.event_type, lp.occurred_at
        from span
        cross join lateral app.import_ledger_punches(span.employee_ids, span.date_from, span.date_to) as lp
    ),
    outcomes as (
        select
            er.*,
            case
                when er.error_code is not null then 'ERROR'
                when er.row_no > rp.first_row then 'DUPLICATE'
                when il.employee_id is not null then 'SKIPPED'
                else 'VALID'
            end as outcome
        from errors as er
        left join repeated as rp
            on er.error_code is null
            and rp.employee_id = er.employee_id
            and rp.event_type = er.event_type
            and rp.occurred_at = er.occurred_at
        left join in_ledger as il
            on er.error_code is null
            and il.employee_id = er.employee_id
            and il.event_type = er.event_type
            and il.occurred_at = er.occurred_at
    ),
    staged as (
        insert into app.import_rows (
            batch_id, row_no, line_no, column_no, employee_ref, matched_employee_id, event_type, event_type_raw,
            local_time, time_zone, occurred_at, note, outcome, error_code, error
        )
        select
            v_batch, o.row_no, o.line_no, o.column_no, app.import_clip(o.employee_ref, 320), o.employee_id,
            o.event_type, app.import_clip(o.event_type_raw, 40), app.import_clip(o.local_time, 60),
            app.import_clip(o.time_zone, 64), o.occurred_at, app.import_clip(o.note, 500), o.outcome,
            coalesce(o.error_code, case o.outcome when 'DUPLICATE' then 'DUPLICATE_IN_FILE' when 'SKIPPED' then 'ALREADY_IN_LEDGER' end),
            -- (a VALID row, usually nearly all of them, skips the sentences)
            case when o.outcome <> 'VALID' then case coalesce(o.error_code, o.outcome)
                when 'MALFORMED' then o.malformed
                when 'MISSING_EMPLOYEE' then 'No employee is given.'
                when 'UNKNOWN_EMPLOYEE' then 'No employee has this number, attendance number or e-mail.'
                when 'AMBIGUOUS_EMPLOYEE' then 'This reference matches more than one employee.'
                when 'UNKNOWN_EVENT_TYPE' then 'The event type is not one of CLOCK_IN, CLOCK_OUT, BREAK_START, BREAK_END, LUNCH_START, LUNCH_END.'
                when 'INVALID_TIME' then 'The time is not a valid local time (YYYY-MM-DD HH:MM[:SS]; DingTalk: HH:MM or 次日 HH:MM).'
                when 'UNKNOWN_TIME_ZONE' then 'The time zone is not known.'
                when 'FUTURE_TIME' then 'The time is in the future.'
                when 'EMPLOYEE_INACTIVE' then 'The employee was not active on that date.'
                when 'NOTE_TOO_LONG' then 'The note is longer than 500 characters.'
                when 'DUPLICATE' then 'The same employee, event type and time appear earlier in the file.'
                when 'SKIPPED' then 'This punch is already in the ledger.'
            end end
        from outcomes as o
        returning row_no, outcome, error_code
    )
    select
        count(*)::integer,
        -- counted in the same pass: four filtered counts, and a group by
        -- error code over the ERROR rows alone (a hash of every row's outcome
        -- and code cost more than the rest of this select)
        app.import_summary(
            count(*) filter (where st.outcome = 'VALID'),
            count(*) filter (where st.outcome = 'SKIPPED'),
            count(*) filter (where st.outcome = 'DUPLICATE'),
            count(*) filter (where st.outcome = 'ERROR'),
            (
                select jsonb_object_agg(g.error_code, g.n)
                from (
                    select st2.error_code, count(*) as n from staged as st2
                    where st2.outcome = 'ERROR'
                    group by st2.error_code
                ) as g
            )
        ),
        min(st.row_no) filter (where st.error_code = 'MALFORMED')
    into v_rows, v_summary, v_malformed_row
    from staged as st;

    select r.line_no, r.column_no, r.error into v_bad
    from app.import_rows as r
    where r.batch_id = v_batch and r.row_no = v_malformed_row;
    if found then
        perform app.import_file_error(
            'IMPORT_MALFORMED', v_bad.line_no, v_bad.column_no,
            case v_bad.error
                when 'LINE_TOO_LONG' then format('the line is longer than %s characters', v_max_line)
                when 'BAD_QUOTING' then 'a quoted field is not closed, or a quote stands inside an unquoted field'
                else 'the line does not have as many fields as the header'
            end
        );
    end if;
    if v_rows = 0 then
        perform app.import_file_error('IMPORT_EMPTY', 2, 1, 'the file holds no punches');
    end if;
    if v_rows > v_max_rows then
        perform app.fail(
            413, 'IMPORT_TOO_LARGE', format('The file holds more than %s punches.', v_max_rows),
            jsonb_build_object('max_rows', v_max_rows)
        );
    end if;

    update app.import_batches as b set row_count = v_rows, counts = v_summary
    where b.id = v_batch;
    perform app.audit(
        'IMPORT_PREPARE', 'import_batches', v_batch::text, null, null, null,
        jsonb_build_object('format', p_format, 'file_name', p_file_name, 'rows', v_rows, 'counts', v_summary)
    );
    return jsonb_build_object(
        'batch_id', v_batch, 'token', v_token, 'expires_at', v_expires, 'format', p_format,
        'time_zone', v_zone, 'lines', cardinality(v_lines), 'rows', v_rows, 'counts', v_summary
    );
end
$$;
comment on function app.import_stage(text, text[], text, text) is
'Stage an import file (its lines) as a batch: parse and validate every row in SQL; returns the commit token.';
grant execute on function app.import_stage(text, text[], text, text) to hr_admin;

-- A batch's counts, the one shape of import_batches.counts and of the
-- prepare's answer: by outcome, and the ERROR rows by error code.
create or replace function app.import_summary(
    p_valid bigint, p_skipped bigint, p_duplicate bigint, p_error bigint, p_errors jsonb
) returns jsonb
language sql immutable
as $$
    select jsonb_build_object(
        'VALID', p_valid, 'SKIPPED', p_skipped, 'DUPLICATE', p_duplicate, 'ERROR', p_error,
        'errors', coalesce(p_errors, '{}')
    )
$$;

-- (the grouped-rows form before app.import_summary)
drop function if exists app.import_counts_of(text[], text[], bigint[]);

-- A stored batch's counts (the commit refreshes them after its skips).
create or replace function app.import_counts(p_batch_id bigint) returns jsonb
language sql stable
as $$
    select app.import_summary(
        count(*) filter (where r.outcome = 'VALID'),
        count(*) filter (where r.outcome = 'SKIPPED'),
        count(*) filter (where r.outcome = 'DUPLICATE'),
        count(*) filter (where r.outcome = 'ERROR'),
        (
            select jsonb_object_agg(g.error_code, g.n)
            from (
                select e.error_code, count(*) as n from app.import_rows as e
                where e.batch_id = p_batch_id and e.outcome = 'ERROR'
                group by e.error_code
            ) as g
        )
    )
    from app.import_rows as r
    where r.batch_id = p_batch_id
$$;

-- The HTTP entry: the request body is the file (Content-Type: text/plain).
-- Format, time zone and file name come from the X-Import-Format,
-- X-Import-Time-Zone and X-Import-File-Name headers; without X-Import-Format the
-- header line decides (工号 → dingtalk, else csv).
create or replace function app.import_prepare(p_body text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_format text := lower(app.request_header('x-import-format'));
    v_lines text[];
begin
    perform app.require_role(array['hr_admin']);
    if p_body is null or p_body = '' then
        perform app.import_file_error('IMPORT_EMPTY', 1, 1, 'the request body is empty: send the file as text/plain');
    end if;
    v_lines := string_to_array(p_body, E'\n');
    if v_format is null then
        v_format := case when v_lines[1] like '%工号%' then 'dingtalk' else 'csv' end;
    end if;
    return app.import_stage(
        v_format, v_lines, app.request_header('x-import-time-zone'), app.request_header('x-import-file-name')
    );
end
$$;
grant execute on function app.import_prepare(text) to hr_admin;
