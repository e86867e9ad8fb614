-- The worker's side of Keka push, as named, versioned calls (_v1, _v2): what
-- to send, each outcome in the sync columns, strikes and dead letters,
-- reconciliation, HR's retry and the sync signals HR and `status` read. The
-- invoker ones run with hithonix_worker's own narrow grants (column-level
-- UPDATE of the sync columns, its queues); the definer ones do what the
-- worker role may not do directly (reading policy and employees' profiles).
-- The circuit breaker is 310_keka_circuit.sql, the employee import
-- 320_keka_employee_import.sql.

-- What to send for a batch of event ids: the Keka log item fields, and why
-- an event must not go. Status 0 = IN (CLOCK_IN), 1 = OUT (CLOCK_OUT); the
-- timestamp is IST wall clock. voided: a VOID names it (never send what is
-- already retracted). number_known: the attendance number came from Keka's
-- last employee import (true for every number until an import has succeeded,
-- so a system that never imports still pushes).
create or replace function app.events_for_push_v2(p_event_ids bigint[])
returns table (
    id bigint, sync_status app.sync_status, attendance_number text,
    wall_clock_ist timestamp, keka_status integer, voided boolean, number_known boolean
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        ev.id,
        ev.sync_status,
        e.attendance_number,
        date_trunc('second', app.ist_wall_clock(ev.occurred_at)),
        case ev.event_type when 'CLOCK_IN' then 0 when 'CLOCK_OUT' then 1 end,
        exists (
            select 1 from app.attendance_events as v
            where v.corrects_event_id = ev.id and v.event_type = 'VOID'
        ),
        e.attendance_number is not null and (
            e.attendance_number = e.raw_keka_profile ->> 'attendanceNumber'
            or not exists (select 1 from app.keka_employee_imports as i where i.status = 'SUCCEEDED')
        )
    from app.attendance_events as ev
    inner join app.employees as e on e.id = ev.employee_id
    where ev.id = any(p_event_ids)
    order by ev.occurred_at, ev.id
$$;
grant execute on function app.events_for_push_v2(bigint[]) to hithonix_worker;

-- The pre-v2 reader, kept for a worker of the previous release during a rollout.
create or replace function app.events_for_push_v1(p_event_ids bigint[])
returns table (
    id bigint, sync_status app.sync_status, attendance_number text,
    wall_clock_ist timestamp, keka_status integer
)
language sql stable
as $$
    select p.id, p.sync_status, p.attendance_number, p.wall_clock_ist, p.keka_status
    from app.events_for_push_v2(p_event_ids) as p
$$;
grant execute on function app.events_for_push_v1(bigint[]) to hithonix_worker;

create or replace function app.record_sync_success_v1(p_event_ids bigint[], p_keka_ref text)
returns integer
language sql volatile
as $$
    with done as (
        update app.attendance_events as ev set
            sync_status = 'SUCCESS',
            synced_at = now(),
            last_attempt_at = now(),
            attempt_count = ev.attempt_count + 1,
            last_sync_error = null,
            keka_ref = left(
                p_keka_ref
                || case when ev.keka_ref = 'MAYBE_SENT'
                    then ' (sent again after a request whose answer was lost: possibly twice in Keka)' else ''
                end,
                200
            )
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from done
$$;
grant execute on function app.record_sync_success_v1(bigint[], text) to hithonix_worker;

create or replace function app.record_sync_failure_v1(p_event_ids bigint[], p_permanent boolean, p_error text)
returns integer
language sql volatile
as $$
    with failed as (
        update app.attendance_events as ev set
            sync_status = case when p_permanent then 'PERMANENT_FAILURE' else 'FAILED' end::app.sync_status,
            last_attempt_at = now(),
            attempt_count = ev.attempt_count + 1,
            last_sync_error = left(p_error, 2000)
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from failed
$$;
grant execute on function app.record_sync_failure_v1(bigint[], boolean, text) to hithonix_worker;

-- A request carrying these events went out and its answer was lost (read
-- timeout, dropped connection): Keka may hold them. Marked in keka_ref until
-- they succeed, so the success says they may be in Keka twice.
create or replace function app.record_sync_maybe_sent_v1(p_event_ids bigint[])
returns integer
language sql volatile
as $$
    with marked as (
        update app.attendance_events as ev set keka_ref = 'MAYBE_SENT'
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from marked
$$;
grant execute on function app.record_sync_maybe_sent_v1(bigint[]) to hithonix_worker;

-- Held back before sending (an attendance number Keka's last import does not
-- know): FAILED with the reason, not an attempt (nothing was sent).
create or replace function app.record_sync_held_v1(p_event_ids bigint[], p_error text)
returns integer
language sql volatile
as $$
    with held as (
        update app.attendance_events as ev set
            sync_status = 'FAILED',
            last_sync_error = left(p_error, 2000)
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from held
$$;
grant execute on function app.record_sync_held_v1(bigint[], text) to hithonix_worker;

-- Never sent, on purpose (voided while still waiting): SKIPPED with the reason.
create or replace function app.record_sync_skipped_v1(p_event_ids bigint[], p_error text)
returns integer
language sql volatile
as $$
    with skipped as (
        update app.attendance_events as ev set
            sync_status = 'SKIPPED',
            last_sync_error = left(p_error, 2000)
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from skipped
$$;
grant execute on function app.record_sync_skipped_v1(bigint[], text) to hithonix_worker;

-- The push queue's message: ids only, the event's and its employee's (the
-- ledger's key, docs/scale-out.md). SQL and stable, like jsonb_build_object:
-- declared immutable it was not inlined (its body would be less immutable than
-- its label) but run as a statement of its own per message, 34,000 of them in
-- a 100,000-event bulk insert. Inlined into the live step, the ledger's
-- statement trigger, reconciliation and retry_sync (pgTAP 130 checks the plan).
create or replace function app.keka_sync_message(p_event_id bigint, p_employee_id uuid) returns jsonb
language sql stable
as $$
    select jsonb_build_object('event_id', p_event_id, 'employee_id', p_employee_id)
$$;

-- The one sync limit: keka_sync_max_attempts (settings) = how many times one
-- punch may fail on its own, in a request of its own, while other punches are
-- accepted, before it is dead-lettered. Failures during an outage or an open
-- circuit never count (the worker does not strike then).
create or replace function app.keka_sync_max_attempts() returns integer
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        (select (s.value #>> '{}')::integer from app.settings as s where s.key = 'keka_sync_max_attempts'), 8
    )
$$;
grant execute on function app.keka_sync_max_attempts() to hithonix_worker, hr_admin;

-- A strike against one message: its event failed alone while Keka accepted
-- others. Under the limit the message comes back (as a new message carrying
-- the count) after p_delay_seconds; at the limit it goes to keka_sync_dlq and
-- the event becomes PERMANENT_FAILURE (DEAD_LETTERED: …; retry_sync re-sends).
create or replace function app.strike_sync_v1(p_msg_id bigint, p_error text, p_delay_seconds integer)
returns jsonb
language plpgsql volatile
as $$
declare
    v_message jsonb;
    v_event_id bigint;
    v_strikes integer;
    v_limit integer := app.keka_sync_max_attempts();
begin
    select m.message into v_message from pgmq.q_keka_sync as m where m.msg_id = p_msg_id;
    if v_message is null then
        return jsonb_build_object('strikes', 0, 'dead_lettered', false);
    end if;
    v_event_id := (v_message ->> 'event_id')::bigint;
    v_strikes := coalesce((v_message ->> 'strikes')::integer, 0) + 1;
    v_message := v_message || jsonb_build_object('strikes', v_strikes);
    perform pgmq.delete('keka_sync', p_msg_id);
    if v_strikes >= v_limit then
        perform pgmq.send('keka_sync_dlq', v_message || jsonb_build_object('error', left(p_error, 500)));
        perform app.record_sync_failure_v1(
            array[v_event_id], true,
            format('DEAD_LETTERED: failed %s times on its own while Keka accepted other punches: %s',
                v_strikes, p_error)
        );
        return jsonb_build_object('strikes', v_strikes, 'dead_lettered', true);
    end if;
    perform pgmq.send('keka_sync', v_message, greatest(p_delay_seconds, 0));
    perform app.record_sync_failure_v1(
        array[v_event_id], false, format('STRIKE %s/%s: %s', v_strikes, v_limit, p_error)
    );
    return jsonb_build_object('strikes', v_strikes, 'dead_lettered', false);
end
$$;
grant execute on function app.strike_sync_v1(bigint, text, integer) to hithonix_worker;

-- Events not yet in Keka that no live message covers (a purged queue, a
-- message lost to an operator) are re-enqueued, however often they failed:
-- an outage of any length ends with every punch delivered. Events an outage
-- pushed aside under the previous release (dead-lettered by read count,
-- 'DEAD_LETTERED: read …', or escalated by attempts, 'ESCALATED: …') come
-- back too, and their dead letters go. Poison (dead-lettered after failing on
-- its own), refused and unconfirmed events stay for HR.
-- An event never has more than one live message: the unique index
-- keka_sync_one_live_message_idx enforces it, and re-enqueuers (this and
-- retry_sync) take one lock so they do not race into it.
-- Serial on purpose (max_parallel_workers_per_gather = 0): the scans cost
-- what is unsynced (a few thousand index entries, a few ms), but the planner
-- costs the bitmap heap scan by the ledger's size and, at 3.7M events, planned
-- a Gather whose worker start-up doubled the time (EXPLAIN: 6.4-7.1 ms with
-- one worker against 3.3-5.0 ms serial) and, on a busy 2-core machine, waited
-- for a CPU (37.6 ms p95 at 10,000 employees after VACUUM).
create or replace function app.reconcile_sync_v1() returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
set max_parallel_workers_per_gather = 0
as $$
declare
    v_requeue jsonb[];
    v_restore bigint[];
begin
    perform pg_advisory_xact_lock(app.requeue_lock_key());
    select array_agg(ev.id) into v_restore
    from app.attendance_events as ev
    where ev.sync_status = 'PERMANENT_FAILURE'
        and (ev.last_sync_error like 'DEAD\_LETTERED: read %' or ev.last_sync_error like 'ESCALATED:%');
    if v_restore is not null then
        update app.attendance_events as ev
        set sync_status = 'FAILED',
            last_sync_error = 'RESTORED: pushed aside by an outage under the previous release; re-sent'
        where ev.id = any(v_restore);
        perform pgmq.delete('keka_sync_dlq', array(
            select d.msg_id from pgmq.q_keka_sync_dlq as d where (d.message ->> 'event_id')::bigint = any(v_restore)
        ));
    end if;
    -- one index probe of the queue per unsynced event (`offset 0` keeps the
    -- NOT EXISTS a per-row subplan): as an anti-join the planner may hash the
    -- whole queue, a seq scan of every page it ever grew to (27,892 pages for
    -- 2,000 messages after the 10,000-employee history drained: 233 ms against
    -- 3.6 ms probing)
    select array_agg(app.keka_sync_message(ev.id, ev.employee_id)) into v_requeue
    from app.attendance_events as ev
    where ev.sync_status in ('PENDING', 'FAILED')
        and not exists (
            select 1 from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = ev.id offset 0
        );
    if v_requeue is not null then
        perform pgmq.send_batch('keka_sync', v_requeue);
    end if;
    return jsonb_build_object(
        'requeued', coalesce(cardinality(v_requeue), 0),
        'restored', coalesce(cardinality(v_restore), 0)
    );
end
$$;
grant execute on function app.reconcile_sync_v1() to hithonix_worker;

-- The one lock of everything that re-enqueues existing events.
create or replace function app.requeue_lock_key() returns bigint
language sql immutable
as $$
    select hashtextextended('hithonix.keka_sync.requeue', 0)
$$;

-- hr_admin: put failed events back on the queue (audited). An event whose
-- message is still on the queue (hidden by its visibility timeout after a
-- failed push) gets that message made visible now, not a second one.
create or replace function app.retry_sync(p_event_ids bigint[]) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids bigint[];
    v_before jsonb;
    v_live bigint[];
    v_new jsonb[];
begin
    perform app.require_role(array['hr_admin']);
    if p_event_ids is null or cardinality(p_event_ids) = 0 or cardinality(p_event_ids) > 500 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'event_ids must name from 1 to 500 events.', '{"field": "event_ids"}'
        );
    end if;
    perform pg_advisory_xact_lock(app.requeue_lock_key());
    select jsonb_object_agg(ev.id, ev.sync_status), array_agg(ev.id)
    into v_before, v_ids
    from app.attendance_events as ev
    where ev.id = any(p_event_ids) and ev.sync_status in ('FAILED', 'PERMANENT_FAILURE');
    if v_ids is null then
        perform app.fail(409, 'NOTHING_TO_RETRY', 'None of these events is in FAILED or PERMANENT_FAILURE.');
    end if;
    update app.attendance_events as ev
    set sync_status = 'PENDING', last_sync_error = null
    where ev.id = any(v_ids);
    select array_agg(m.msg_id) into v_live
    from pgmq.q_keka_sync as m
    where (m.message ->> 'event_id')::bigint = any(v_ids);
    if v_live is not null then
        perform pgmq.set_vt('keka_sync', v_live, clock_timestamp());
    end if;
    v_new := array(
        select app.keka_sync_message(ev.id, ev.employee_id)
        from app.attendance_events as ev
        where ev.id = any(v_ids)
            -- one probe per event (offset 0, as reconcile_sync_v1): never a hash of the whole queue
            and not exists (
                select 1 from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = ev.id offset 0
            )
    );
    if cardinality(v_new) > 0 then
        perform pgmq.send_batch('keka_sync', v_new);
    end if;
    perform app.audit(
        'RETRY_SYNC', 'attendance_events', array_to_string(v_ids, ','), null, null,
        v_before, jsonb_build_object('sync_status', 'PENDING', 'event_ids', to_jsonb(v_ids))
    );
    return jsonb_build_object('requeued', cardinality(v_ids), 'event_ids', to_jsonb(v_ids));
end
$$;
grant execute on function app.retry_sync(bigint[]) to hr_admin;

-- How many messages wait in a worker's queue and its dead-letter queue
-- (pgmq's queue_length; keka_sync or calendar_sync). pgmq.metrics also reads
-- the oldest and newest enqueued_at, which only the heap holds, so it reads
-- every page the queue ever grew to: at 10,000 employees, after the history's
-- messages drained, 22,927 pages for 2,000 messages, 50-120 ms, once per pushed
-- batch (the workers' gauges) and per sync_overview. A bare count is an
-- index-only scan over the live entries (and those dead since the last
-- VACUUM): 65 buffers, 0.4 ms.
create or replace function app.queue_depths_v1(p_queue text) returns table (queue_depth bigint, dlq_depth bigint)
language plpgsql stable
as $$
begin
    if p_queue is null or p_queue not in ('keka_sync', 'calendar_sync') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'queue must be keka_sync or calendar_sync.');
    end if;
    return query execute format(
        'select (select count(*) from pgmq.%I), (select count(*) from pgmq.%I)',
        'q_' || p_queue, 'q_' || p_queue || '_dlq'
    );
end
$$;
grant execute on function app.queue_depths_v1(text) to hithonix_worker;

-- Sync health in one row. Counts use the partial index on unsynced events, so
-- they cost what is unsynced, not what the ledger holds; the queue depths
-- what is queued, not what the queue once held.
create or replace function app.sync_overview() returns table (
    pending bigint, failed bigint, permanent_failure bigint, escalated bigint,
    queue_depth bigint, dlq_depth bigint, oldest_pending_age interval
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    -- the queue and its dead letters counted once (one call of the depths)
    select
        c.pending, c.failed, c.permanent_failure, c.escalated, d.queue_depth, d.dlq_depth, c.oldest_pending_age
    from app.queue_depths_v1('keka_sync') as d
    cross join (
        select
            count(*) filter (where ev.sync_status = 'PENDING') as pending,
            count(*) filter (where ev.sync_status = 'FAILED') as failed,
            count(*) filter (where ev.sync_status = 'PERMANENT_FAILURE') as permanent_failure,
            count(*) filter (where ev.last_sync_error like 'ESCALATED:%') as escalated,
            now() - min(ev.recorded_at) filter (where ev.sync_status in ('PENDING', 'FAILED')) as oldest_pending_age
        from app.attendance_events as ev
        where ev.sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE')
    ) as c
$$;
grant execute on function app.sync_overview() to hr_admin;

-- Punches voided after they reached Keka (or may have: UNCONFIRMED): Keka
-- keeps the log, so HR removes or fixes it in Keka by hand.
create or replace function app.keka_corrections() returns table (
    event_id bigint, void_event_id bigint, employee_id uuid, attendance_number text,
    event_type app.event_type, occurred_at timestamptz, sync_status app.sync_status,
    synced_at timestamptz, voided_at timestamptz, keka_ref text
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        ev.id, v.id, ev.employee_id, e.attendance_number, ev.event_type, ev.occurred_at,
        ev.sync_status, ev.synced_at, v.recorded_at, ev.keka_ref
    from app.attendance_events as v
    inner join app.attendance_events as ev on ev.id = v.corrects_event_id
    inner join app.employees as e on e.id = ev.employee_id
    where v.event_type = 'VOID'
        and (ev.sync_status = 'SUCCESS'
            or (ev.sync_status = 'PERMANENT_FAILURE' and ev.last_sync_error like 'UNCONFIRMED:%'))
    order by v.recorded_at, v.id
$$;
grant execute on function app.keka_corrections() to hr_admin;

-- What needs a person, beside the counts of sync_overview: punches Keka may
-- or may not hold (UNCONFIRMED), punches held back for an attendance number
-- the last import does not know (HELD_BACK), punches voided after they were
-- sent (Keka cannot retract a log: fix it in Keka by hand, see
-- app.keka_corrections), and the circuit breaker.
create or replace function app.keka_sync_signals() returns table (
    unconfirmed bigint, held_back bigint, needs_keka_correction bigint,
    circuit_state text, circuit_kind text, circuit_reason text, circuit_since timestamptz,
    circuit_next_probe_at timestamptz
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        (select count(*) from app.attendance_events as ev
            where ev.sync_status = 'PERMANENT_FAILURE' and ev.last_sync_error like 'UNCONFIRMED:%'),
        (select count(*) from app.attendance_events as ev
            where ev.sync_status = 'FAILED' and ev.last_sync_error like 'HELD\_BACK:%'),
        (select count(*) from app.keka_corrections() as k),
        c.state, c.kind, c.reason, c.opened_at, c.next_probe_at
    from app.keka_sync_circuit as c
$$;
grant execute on function app.keka_sync_signals() to hr_admin;
