-- Imports, part 3: from a prepared batch to the ledger and back.
--   import_apply      the set-based write on the bulk path (sql/functions/
--                     430_bulk_import.sql, app.insert_events_bulk): one lock
--                     per employee, VALID rows re-checked against the ledger,
--                     business dates by window functions, one INSERT in
--                     (employee, time) order, source 'import', payload linking
--                     batch and row; the ledger's
--                     statement triggers derive each touched day in one pass
--                     and write the outbox once
--   import_effect     what the write did: employee-days, anomalies, locks
--   import_dry_run    the preview's prediction: import_apply + import_effect
--                     inside a subtransaction that is always rolled back, so
--                     the prediction is the derivation's own answer
--   import_commit     token → one transaction (or a worker job above
--                     import_async_threshold_rows); idempotency key; audited
--   import_run_*_v1   the worker job's steps (worker/imports/job.py)
--   import_rollback   VOIDs for every event of a committed batch; idempotent
--   import_status     a batch's state and progress

-- Which part of a worker job's batch an employee's rows belong to: the last
-- byte of the (random) uuid, stable for the whole job. A byte instead of
-- hashtext(id::text): that text conversion and hash ran for every staged row in
-- every scan of every part.
create or replace function app.import_part_of(p_employee_id uuid, p_parts integer) returns integer
language sql immutable
as $$
    select get_byte(uuid_send(p_employee_id), 15) % p_parts
$$;

-- One part's VALID rows in one scan: its employees, the dates its rows span
-- (from two days before, for night shifts), and the rows as parallel arrays in
-- file order, the payload linking each event to its batch and row. The rows
-- come sorted once from a subquery (PostgreSQL 15 sorts its input again for
-- every aggregate with its own ORDER BY: four sorts of the batch), and each
-- payload is built in one call (a build then || copied every object). The
-- dates are those of the first and last instant (the business date follows
-- the instant: two conversions instead of two per row), and the distinct
-- employees are left to the caller's hash over the ids (array_agg(distinct)
-- sorted every row's uuid).
drop function if exists app.import_part_rows(bigint, integer, integer);
create or replace function app.import_part_rows(p_batch_id bigint, p_part integer, p_parts integer)
returns table (
    date_from date, date_to date,
    row_employee_ids uuid[], event_types app.event_type[], occurred_at timestamptz[], payloads jsonb[]
)
language sql stable
as $$
    select
        app.ist_date(min(r.occurred_at)) - 2, app.ist_date(max(r.occurred_at)),
        array_agg(r.matched_employee_id), array_agg(r.event_type), array_agg(r.occurred_at),
        array_agg(
            case
                when r.note is null then jsonb_build_object('import_batch_id', p_batch_id, 'import_row', r.row_no)
                else jsonb_build_object('import_batch_id', p_batch_id, 'import_row', r.row_no, 'note', r.note)
            end
        )
    from (
        select x.matched_employee_id, x.event_type, x.occurred_at, x.row_no, x.note
        from app.import_rows as x
        where x.batch_id = p_batch_id and x.outcome = 'VALID'
            and (p_parts is null or app.import_part_of(x.matched_employee_id, p_parts) = p_part)
        order by x.row_no
    ) as r
$$;

create or replace function app.import_apply(p_batch_id bigint, p_part integer, p_parts integer)
returns integer
language plpgsql volatile
-- the sorts of a 100,000-row statement stay in memory; array row counts are
-- unknown to the planner, so no JIT for a misestimate (as app.import_events_v1)
set work_mem = '64MB'
set jit = off
as $$
declare
    v_employees uuid[];
    v_from date;
    v_to date;
    v_ids uuid[];
    v_types app.event_type[];
    v_ats timestamptz[];
    v_payloads jsonb[];
    v_skipped integer;
    v_count integer;
begin
    select * into v_from, v_to, v_ids, v_types, v_ats, v_payloads
    from app.import_part_rows(p_batch_id, p_part, p_parts);
    if v_ids is null then
        return 0;
    end if;
    v_employees := array(select distinct x.id from unnest(v_ids) as x (id));
    -- one lock per employee (the bulk path's), then the ledger may have moved
    -- since prepare: a punch now there is skipped (and the rows read again
    -- without it; rare: a punch recorded between prepare and commit)
    perform app.lock_employees(v_employees);
    update app.import_rows as r
    set outcome = 'SKIPPED', error_code = 'ALREADY_IN_LEDGER', error = 'This punch is already in the ledger.'
    from app.import_ledger_punches(v_employees, v_from, v_to) as lp
    where r.batch_id = p_batch_id and r.outcome = 'VALID'
        and lp.employee_id = r.matched_employee_id and lp.event_type = r.event_type and lp.occurred_at = r.occurred_at;
    get diagnostics v_skipped = row_count;
    if v_skipped > 0 then
        -- the batch's stored counts follow (preview, status and the result read them)
        update app.import_batches as b set counts = app.import_counts(p_batch_id) where b.id = p_batch_id;
        select x.row_employee_ids, x.event_types, x.occurred_at, x.payloads into v_ids, v_types, v_ats, v_payloads
        from app.import_part_rows(p_batch_id, p_part, p_parts) as x;
    end if;
    if v_ids is null then
        return 0;
    end if;

    -- the bulk path's one INSERT (dates by window functions, days derived in
    -- one pass, outbox in one insert); its ids come from one sequence, so
    -- what links the batch to its events is one range (each payload names
    -- batch and row), not an UPDATE of every staged row (migration 0171)
    with
    inserted as (
        select i.id from app.insert_events_bulk(v_ids, v_types, v_ats, v_payloads, 'import:' || p_batch_id) as i
    ),
    span as (
        select min(ins.id) as first_event_id, max(ins.id) as last_event_id, count(*) as events from inserted as ins
    ),
    ranged as (
        insert into app.import_event_ranges (batch_id, first_event_id, last_event_id)
        select p_batch_id, s.first_event_id, s.last_event_id from span as s
        where s.events > 0
    )
    select s.events into v_count from span as s;
    return coalesce(v_count, 0);
end
$$;

-- A batch's events in the ledger: its id ranges (app.import_event_ranges,
-- one per apply), each read as a range of the ledger's primary key, the rows
-- whose payload names the batch (another writer's ids may fall in between).
-- LATERAL with a range per row of a tiny table: the plan is an index range
-- scan whatever the statistics say (right after a write they are stale).
create or replace function app.import_events(p_batch_id bigint)
returns table (id bigint, employee_id uuid, business_date_ist date)
language sql stable
as $$
    select ev.id, ev.employee_id, ev.business_date_ist
    from app.import_event_ranges as x
    cross join lateral (
        select e.id, e.employee_id, e.business_date_ist, e.source, e.event_type, e.payload
        from app.attendance_events as e
        where e.id between x.first_event_id and x.last_event_id
        offset 0
    ) as ev
    where x.batch_id = p_batch_id and ev.source = 'import' and ev.event_type <> 'VOID'
        and ev.payload ->> 'import_batch_id' = p_batch_id::text
$$;

-- The effect of a batch's events on daily_status, read after the write: the
-- days from the events (app.import_events), then each day's status by key
-- (LATERAL with LIMIT 1, so the plan is one index probe per day whatever the
-- statistics say: a plain join once put a seq scan inside a scan of every
-- ledger row, a dry run of more than 10 minutes instead of 0.3 s).
create or replace function app.import_effect(p_batch_id bigint) returns jsonb
language sql stable
as $$
    with events as materialized (
        select ev.employee_id, ev.business_date_ist from app.import_events(p_batch_id) as ev
    ),
    days as (
        select distinct ev.employee_id, ev.business_date_ist from events as ev
    ),
    status as (
        select ds.*
        from days as d
        cross join lateral (
            select x.* from app.daily_status as x
            where x.employee_id = d.employee_id and x.business_date_ist = d.business_date_ist
            limit 1
        ) as ds
    )
    select jsonb_build_object(
        'events', (select count(*) from events),
        'employees', (select count(distinct d.employee_id) from days as d),
        'employee_days', (select count(*) from days),
        'anomalies', coalesce((
            select jsonb_object_agg(a.code, a.n) from (
                select c.code, count(*) as n from status as s cross join unnest(s.anomalies) as c (code) group by c.code
            ) as a
        ), '{}'),
        'locks', coalesce((
            select jsonb_object_agg(l.lock_reason, l.n) from (
                select s.lock_reason, count(*) as n from status as s where s.is_locked group by s.lock_reason
            ) as l
        ), '{}'),
        -- the first import_preview_limit days (a page never shows more; a
        -- 100,000-row file touches ~25,000: megabytes kept and read for nothing)
        'days', coalesce((
            select jsonb_agg(jsonb_build_object(
                'employee_id', s.employee_id, 'business_date_ist', s.business_date_ist,
                'current_status', s.current_status, 'worked_minutes', s.worked_minutes,
                'event_count', s.event_count, 'anomalies', s.anomalies, 'lock_reason', s.lock_reason
            ) order by s.employee_id, s.business_date_ist)
            from (
                select * from status as x
                order by x.employee_id, x.business_date_ist
                limit (app.import_setting('import_preview_limit') #>> '{}')::integer
            ) as s
        ), '[]')
    )
$$;

-- The effect without keeping it: write, read, roll the subtransaction back.
create or replace function app.import_dry_run(p_batch_id bigint) returns jsonb
language plpgsql volatile
as $$
declare
    v_effect jsonb;
begin
    begin
        perform app.import_apply(p_batch_id, null, null);
        v_effect := app.import_effect(p_batch_id);
        raise exception using errcode = 'HX001', message = 'import dry run: rolled back';
    exception
        when sqlstate 'HX001' then
            null;
    end;
    return v_effect;
end
$$;

-- A batch by its commit token, locked; 404 unknown.
create or replace function app.import_batch_by_token(p_token text) returns app.import_batches
language plpgsql volatile
as $$
declare
    v_batch app.import_batches;
begin
    if p_token is null or length(p_token) > 200 then
        perform app.fail(404, 'IMPORT_TOKEN_NOT_FOUND', 'No import has this token.');
    end if;
    select * into v_batch from app.import_batches as b
    where b.token_hash = encode(sha256(convert_to(p_token, 'UTF8')), 'hex')
    for update;
    if not found then
        perform app.fail(404, 'IMPORT_TOKEN_NOT_FOUND', 'No import has this token.');
    end if;
    return v_batch;
end
$$;

-- The summary a commit returns (also the first result a retry gets back):
-- the batch's stored counts (app.import_apply recounts them when it skips a
-- row whose punch reached the ledger after prepare) and the effect.
create or replace function app.import_result(p_batch_id bigint, p_status text) returns jsonb
language sql stable
as $$
    select jsonb_build_object(
        'batch_id', b.id, 'status', p_status,
        'counts', b.counts,
        'effect', e.effect - 'days'
    )
    from app.import_batches as b
    cross join lateral (
        select case when p_status = 'COMMITTED' then app.import_effect(b.id) end as effect offset 0
    ) as e
    where b.id = p_batch_id
$$;

-- The worker job for a large commit, deferred in the committing transaction
-- (queue "imports", task "commit_import", one queued job per batch).
-- procrastinate's SQL names its tables unqualified: its schema goes on the path.
create or replace function app.import_defer_commit(p_batch_id bigint) returns void
language sql volatile security definer
set search_path = procrastinate, pg_catalog, pg_temp
as $$
    select procrastinate.procrastinate_defer_jobs_v1(array[
        row(
            'imports', 'commit_import', 0, null, 'import-' || p_batch_id,
            jsonb_build_object('batch_id', p_batch_id), null
        )::procrastinate.procrastinate_job_to_defer_v1
    ]);
$$;

create or replace function app.import_commit(p_token text, p_idempotency_key text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch app.import_batches;
    v_other app.import_batches;
    v_valid integer;
    v_written integer;
    v_result jsonb;
begin
    perform app.require_role(array['hr_admin']);
    if length(p_idempotency_key) not between 1 and 200 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'idempotency_key must be 1 to 200 characters.');
    end if;
    v_batch := app.import_batch_by_token(p_token);
    if p_idempotency_key is not null then
        select * into v_other from app.import_batches as b where b.idempotency_key = p_idempotency_key;
        if found and v_other.id <> v_batch.id then
            perform app.fail(
                409, 'IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for another import.',
                jsonb_build_object('batch_id', v_other.id)
            );
        elsif found then
            return v_batch.result;
        end if;
    end if;
    if v_batch.status not in ('PREPARED', 'FAILED') then
        perform app.fail(
            409, 'IMPORT_ALREADY_COMMITTED', 'This import was already committed.',
            jsonb_build_object('batch_id', v_batch.id, 'status', v_batch.status, 'committed_at', v_batch.committed_at)
        );
    end if;
    if v_batch.token_expires_at < now() then
        perform app.fail(
            410, 'IMPORT_TOKEN_EXPIRED', 'The commit token has expired; prepare the file again.',
            jsonb_build_object('batch_id', v_batch.id, 'expired_at', v_batch.token_expires_at)
        );
    end if;

    begin
        update app.import_batches as b
        set idempotency_key = p_idempotency_key, committed_by = left(app.current_actor(), 200), error = null
        where b.id = v_batch.id;
    exception
        when unique_violation then
            perform app.fail(409, 'IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for another import.');
    end;

    v_valid := (v_batch.counts ->> 'VALID')::integer;
    if v_valid > (app.import_setting('import_async_threshold_rows') #>> '{}')::integer then
        v_result := app.import_result(v_batch.id, 'QUEUED');
        update app.import_batches as b set status = 'QUEUED', result = v_result, progress_rows = 0
        where b.id = v_batch.id;
        perform app.import_defer_commit(v_batch.id);
        perform set_config('response.status', '202', true);
        perform app.audit(
            'IMPORT_COMMIT_QUEUED', 'import_batches', v_batch.id::text, null, null, null, v_result,
            jsonb_build_object('idempotency_key', p_idempotency_key)
        );
        return v_result;
    end if;

    v_written := app.import_apply(v_batch.id, null, null);
    v_result := app.import_result(v_batch.id, 'COMMITTED');
    update app.import_batches as b
    set status = 'COMMITTED', result = v_result, committed_at = now(), progress_rows = v_written
    where b.id = v_batch.id;
    perform app.audit(
        'IMPORT_COMMIT', 'import_batches', v_batch.id::text, null, null, null, v_result,
        jsonb_build_object('idempotency_key', p_idempotency_key)
    );
    return v_result;
end
$$;
grant execute on function app.import_commit(text, text) to hr_admin;

-- The worker job (worker/imports/job.py), one transaction: begin, the parts,
-- finish. Progress is written from a second connection (import_progress_v1),
-- so it is visible while the job's transaction runs; begin does not lock the
-- batch row, only an advisory lock on the batch, so those writes never wait.
create or replace function app.import_run_begin_v1(p_batch_id bigint) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_status text;
begin
    perform pg_advisory_xact_lock(hashtext('hithonix.import'), p_batch_id::integer);
    select b.status into v_status from app.import_batches as b where b.id = p_batch_id;
    if v_status is null or v_status not in ('QUEUED', 'RUNNING') then
        return 0;
    end if;
    return (
        select count(*) from app.import_rows as r where r.batch_id = p_batch_id and r.outcome = 'VALID'
    )::integer;
end
$$;

create or replace function app.import_run_part_v1(p_batch_id bigint, p_part integer, p_parts integer)
returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return app.import_apply(p_batch_id, p_part, p_parts);
end
$$;

create or replace function app.import_progress_v1(p_batch_id bigint, p_rows integer) returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update app.import_batches as b set status = 'RUNNING', progress_rows = p_rows
    where b.id = p_batch_id and b.status in ('QUEUED', 'RUNNING')
$$;

create or replace function app.import_run_finish_v1(p_batch_id bigint) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_result jsonb := app.import_result(p_batch_id, 'COMMITTED');
begin
    update app.import_batches as b
    set status = 'COMMITTED', result = v_result, committed_at = now(),
        progress_rows = (v_result -> 'effect' ->> 'events')::integer
    where b.id = p_batch_id;
    perform app.audit('IMPORT_COMMIT', 'import_batches', p_batch_id::text, null, null, null, v_result);
    return v_result;
end
$$;

create or replace function app.import_run_failed_v1(p_batch_id bigint, p_error text) returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update app.import_batches as b
    set status = 'FAILED', error = left(p_error, 2000), progress_rows = 0, idempotency_key = null
    where b.id = p_batch_id and b.status in ('QUEUED', 'RUNNING');
    select app.audit(
        'IMPORT_COMMIT_FAILED', 'import_batches', p_batch_id::text, null, left(p_error, 2000), null, null
    );
$$;
grant execute on function app.import_run_begin_v1(bigint), app.import_run_part_v1(bigint, integer, integer),
app.import_progress_v1(bigint, integer), app.import_run_finish_v1(bigint),
app.import_run_failed_v1(bigint, text) to hithonix_worker;

create or replace function app.import_status(p_batch_id bigint) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch app.import_batches;
begin
    perform app.require_role(array['hr_admin']);
    select * into v_batch from app.import_batches as b where b.id = p_batch_id;
    if not found then
        perform app.fail(404, 'IMPORT_NOT_FOUND', 'No import batch has this id.');
    end if;
    return to_jsonb(v_batch) - 'token_hash' - 'effect'
        || jsonb_build_object('valid_rows', (v_batch.counts ->> 'VALID')::integer);
end
$$;
grant execute on function app.import_status(bigint) to hr_admin;

create or replace function app.import_rollback(p_batch_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch app.import_batches;
    v_voided integer;
    v_result jsonb;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    if length(p_reason) > 1000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'reason is longer than 1000 characters.');
    end if;
    select * into v_batch from app.import_batches as b where b.id = p_batch_id for update;
    if not found then
        perform app.fail(404, 'IMPORT_NOT_FOUND', 'No import batch has this id.');
    end if;
    if v_batch.status = 'ROLLED_BACK' then
        return v_batch.result -> 'rollback';
    end if;
    if v_batch.status <> 'COMMITTED' then
        perform app.fail(
            409, 'IMPORT_NOT_COMMITTED', 'Only a committed import can be rolled back.',
            jsonb_build_object('batch_id', v_batch.id, 'status', v_batch.status)
        );
    end if;

    insert into app.attendance_events (
        employee_id, event_type, occurred_at, source, payload, corrects_event_id, created_by
    )
    select
        ev.employee_id, 'VOID', now(), 'import',
        jsonb_build_object('reason', p_reason, 'import_batch_id', p_batch_id), ev.id,
        app.current_actor()
    from app.import_events(p_batch_id) as ev
    where not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
    order by ev.employee_id, ev.id;
    get diagnostics v_voided = row_count;

    v_result := jsonb_build_object(
        'batch_id', p_batch_id, 'status', 'ROLLED_BACK', 'voided', v_voided, 'reason', p_reason
    );
    update app.import_batches as b
    set status = 'ROLLED_BACK', rolled_back_at = now(), rolled_back_by = left(app.current_actor(), 200),
        rollback_reason = p_reason, result = b.result || jsonb_build_object('rollback', v_result)
    where b.id = p_batch_id;
    perform app.audit(
        'IMPORT_ROLLBACK', 'import_batches', p_batch_id::text, null, p_reason, v_batch.result, v_result
    );
    return v_result;
end
$$;
grant execute on function app.import_rollback(bigint, text) to hr_admin;

-- Preview: a page of rows (file order, optionally one outcome), the counts, and
-- the predicted effect. The effect is a dry run (import_dry_run), computed on
-- the first preview that asks for it and kept on the batch with its time;
-- refresh_effect recomputes it against today's ledger.
create or replace function app.import_preview(
    p_token text,
    p_limit integer default 50,
    p_offset integer default 0,
    p_outcome text default null,
    p_with_effect boolean default true,
    p_refresh_effect boolean default false
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch app.import_batches;
    v_max integer := (app.import_setting('import_preview_limit') #>> '{}')::integer;
    v_limit integer := least(greatest(coalesce(p_limit, 50), 0), v_max);
    v_offset integer := greatest(coalesce(p_offset, 0), 0);
    v_rows jsonb;
    v_effect jsonb;
begin
    perform app.require_role(array['hr_admin']);
    if p_outcome is not null and p_outcome not in ('VALID', 'SKIPPED', 'DUPLICATE', 'ERROR') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'outcome must be VALID, SKIPPED, DUPLICATE or ERROR.');
    end if;
    if p_token is null or length(p_token) > 200 then
        perform app.fail(404, 'IMPORT_TOKEN_NOT_FOUND', 'No import has this token.');
    end if;
    select * into v_batch from app.import_batches as b
    where b.token_hash = encode(sha256(convert_to(p_token, 'UTF8')), 'hex');
    if not found then
        perform app.fail(404, 'IMPORT_TOKEN_NOT_FOUND', 'No import has this token.');
    end if;
    if v_batch.status = 'PREPARED' and v_batch.token_expires_at < now() then
        perform app.fail(
            410, 'IMPORT_TOKEN_EXPIRED', 'The commit token has expired; prepare the file again.',
            jsonb_build_object('batch_id', v_batch.id, 'expired_at', v_batch.token_expires_at)
        );
    end if;

    -- row_no numbers a batch's rows 1..row_count (prepare), so a page of all
    -- rows is a range of the key, whatever the offset; a page of VALID rows
    -- (most of a file) walks the primary key; a page of another outcome skips
    -- its offset in the partial (batch, outcome, row_no) index of the rows
    -- that are not VALID (the literal lets a generic plan use it too)
    if p_outcome is null then
        select coalesce(jsonb_agg(to_jsonb(r) - 'batch_id' order by r.row_no), '[]') into v_rows
        from app.import_rows as r
        where r.batch_id = v_batch.id and r.row_no > v_offset and r.row_no <= v_offset::bigint + v_limit;
    elsif p_outcome = 'VALID' then
        select coalesce(jsonb_agg(to_jsonb(r) - 'batch_id' order by r.row_no), '[]') into v_rows
        from (
            select * from app.import_rows as ir
            where ir.batch_id = v_batch.id and ir.outcome = 'VALID'
            order by ir.row_no
            limit v_limit offset v_offset
        ) as r;
    else
        select coalesce(jsonb_agg(to_jsonb(r) - 'batch_id' order by r.row_no), '[]') into v_rows
        from (
            select * from app.import_rows as ir
            where ir.batch_id = v_batch.id and ir.outcome <> 'VALID' and ir.outcome = p_outcome
            order by ir.row_no
            limit v_limit offset v_offset
        ) as r;
    end if;

    if p_with_effect then
        v_effect := v_batch.effect;
        if v_batch.status in ('PREPARED', 'FAILED') and (v_effect is null or p_refresh_effect) then
            v_effect := app.import_dry_run(v_batch.id);
            update app.import_batches as b set effect = v_effect, effect_computed_at = now()
            where b.id = v_batch.id;
            v_batch.effect_computed_at := now();
        end if;
    end if;
    if v_effect is not null then
        -- the summary and the page's first v_limit days (the stored list holds
        -- at most import_preview_limit of them)
        select (v_effect - 'days') || jsonb_build_object(
            'days', case when v_limit = 0 then '[]'::jsonb else coalesce(
                jsonb_path_query_array(v_effect, '$.days[0 to $n]', jsonb_build_object('n', v_limit - 1)), '[]'
            ) end,
            'computed_at', v_batch.effect_computed_at,
            'method', 'dry run: the commit''s own write in a rolled-back subtransaction'
        )
        into v_effect;
    end if;

    return jsonb_build_object(
        'batch_id', v_batch.id, 'status', v_batch.status, 'format', v_batch.format,
        'file_name', v_batch.file_name, 'expires_at', v_batch.token_expires_at,
        'rows_total', v_batch.row_count, 'counts', v_batch.counts,
        'limit', v_limit, 'offset', v_offset, 'outcome', p_outcome,
        'rows', v_rows,
        'effect', case when p_with_effect then v_effect end
    );
end
$$;
grant execute on function app.import_preview(text, integer, integer, text, boolean, boolean) to hr_admin;
