-- The worker's side of Keka sync, as named, versioned calls (_v1). The
-- invoker ones run with hithonix_worker's own narrow grants (column-level
-- UPDATE of the sync columns, its queues); the definer ones do what the
-- worker role may not do directly (reading policy, writing employees).

-- What to send for a batch of event ids: the Keka log item fields.
-- Status 0 = IN (CLOCK_IN), 1 = OUT (CLOCK_OUT); the timestamp is IST wall clock.
create or replace function app.events_for_push_v1(p_event_ids bigint[])
returns table (
    id bigint, sync_status app.sync_status, attendance_number text,
    wall_clock_ist timestamp, keka_status integer
)
language sql stable
as $$
    select
        ev.id,
        ev.sync_status,
        e.attendance_number,
        date_trunc('second', app.ist_wall_clock(ev.occurred_at)),
        case ev.event_type when 'CLOCK_IN' then 0 when 'CLOCK_OUT' then 1 end
    from app.attendance_events as ev
    inner join app.employees as e on e.id = ev.employee_id
    where ev.id = any(p_event_ids)
    order by ev.occurred_at, ev.id
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
            keka_ref = p_keka_ref
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
            last_sync_error = p_error
        where ev.id = any(p_event_ids) and ev.sync_status in ('PENDING', 'FAILED')
        returning 1
    )
    select count(*)::integer from failed
$$;
grant execute on function app.record_sync_failure_v1(bigint[], boolean, text) to hithonix_worker;

-- Messages read more than p_max_reads times go to the dead-letter queue and
-- their events become PERMANENT_FAILURE (an hr_admin can retry_sync them).
create or replace function app.dead_letter_v1(p_msg_ids bigint[], p_max_reads integer)
returns integer
language plpgsql volatile
as $$
declare
    v_messages jsonb[];
    v_event_ids bigint[];
begin
    select array_agg(m.message || jsonb_build_object('read_ct', m.read_ct)),
           array_agg((m.message ->> 'event_id')::bigint)
    into v_messages, v_event_ids
    from pgmq.q_keka_sync as m
    where m.msg_id = any(p_msg_ids) and m.read_ct > p_max_reads;
    if v_messages is null then
        return 0;
    end if;
    perform pgmq.send_batch('keka_sync_dlq', v_messages);
    perform pgmq.delete('keka_sync', p_msg_ids);
    perform app.record_sync_failure_v1(
        v_event_ids, true, format('DEAD_LETTERED: read %s times without success', p_max_reads)
    );
    return cardinality(v_messages);
end
$$;
grant execute on function app.dead_letter_v1(bigint[], integer) to hithonix_worker;

-- Events not yet in Keka that no live message covers (a purged queue, a
-- message lost to an operator): re-enqueue those under the attempt ceiling,
-- escalate the rest to PERMANENT_FAILURE ('ESCALATED: …', see sync_overview).
create or replace function app.reconcile_sync_v1() returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ceiling integer := (
        select (s.value #>> '{}')::integer from app.settings as s where s.key = 'keka_sync_max_attempts'
    );
    v_requeue bigint[];
    v_escalate bigint[];
begin
    select
        array_agg(ev.id) filter (where ev.attempt_count < v_ceiling),
        array_agg(ev.id) filter (where ev.attempt_count >= v_ceiling)
    into v_requeue, v_escalate
    from app.attendance_events as ev
    where ev.sync_status in ('PENDING', 'FAILED')
        and not exists (
            select 1 from pgmq.q_keka_sync as m where (m.message ->> 'event_id')::bigint = ev.id
        );
    if v_requeue is not null then
        perform pgmq.send_batch(
            'keka_sync', array(select jsonb_build_object('event_id', i) from unnest(v_requeue) as i)
        );
    end if;
    if v_escalate is not null then
        perform app.record_sync_failure_v1(
            v_escalate, true, format('ESCALATED: %s attempts without success', v_ceiling)
        );
    end if;
    return jsonb_build_object(
        'requeued', coalesce(cardinality(v_requeue), 0),
        'escalated', coalesce(cardinality(v_escalate), 0)
    );
end
$$;
grant execute on function app.reconcile_sync_v1() to hithonix_worker;

-- hr_admin: put failed events back on the queue (audited).
create or replace function app.retry_sync(p_event_ids bigint[]) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids bigint[];
    v_before jsonb;
begin
    perform app.require_role(array['hr_admin']);
    if p_event_ids is null or cardinality(p_event_ids) = 0 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'event_ids must name at least one event.');
    end if;
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
    perform pgmq.send_batch('keka_sync', array(select jsonb_build_object('event_id', i) from unnest(v_ids) as i));
    perform app.audit(
        'RETRY_SYNC', 'attendance_events', array_to_string(v_ids, ','), null, null,
        v_before, jsonb_build_object('sync_status', 'PENDING', 'event_ids', to_jsonb(v_ids))
    );
    return jsonb_build_object('requeued', cardinality(v_ids), 'event_ids', to_jsonb(v_ids));
end
$$;
grant execute on function app.retry_sync(bigint[]) to hr_admin;

-- Sync health in one row. Counts use the partial index on unsynced events, so
-- they cost what is unsynced, not what the ledger holds.
create or replace function app.sync_overview() returns table (
    pending bigint, failed bigint, permanent_failure bigint, escalated bigint,
    queue_depth bigint, dlq_depth bigint, oldest_pending_age interval
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        count(*) filter (where ev.sync_status = 'PENDING'),
        count(*) filter (where ev.sync_status = 'FAILED'),
        count(*) filter (where ev.sync_status = 'PERMANENT_FAILURE'),
        count(*) filter (where ev.last_sync_error like 'ESCALATED:%'),
        (select m.queue_length from pgmq.metrics('keka_sync') as m),
        (select m.queue_length from pgmq.metrics('keka_sync_dlq') as m),
        now() - min(ev.recorded_at) filter (where ev.sync_status in ('PENDING', 'FAILED'))
    from app.attendance_events as ev
    where ev.sync_status in ('PENDING', 'FAILED', 'PERMANENT_FAILURE')
$$;
grant execute on function app.sync_overview() to hr_admin;

-- Employee import from Keka (the worker fetches, this applies, atomically).
create or replace function app.start_employee_import_v1() returns bigint
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    insert into app.keka_employee_imports default values returning id
$$;
grant execute on function app.start_employee_import_v1() to hithonix_worker;

create or replace function app.fail_employee_import_v1(p_run_id bigint, p_pages integer, p_error text)
returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update app.keka_employee_imports set
        status = 'FAILED', finished_at = now(), pages = p_pages,
        errors = errors || jsonb_build_array(p_error)
    where id = p_run_id
$$;
grant execute on function app.fail_employee_import_v1(bigint, integer, text) to hithonix_worker;

create or replace function app.apply_employee_import_v1(p_run_id bigint, p_employees jsonb, p_pages integer)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, public, pg_temp
as $$
declare
    r record;
    v_old app.employees;
    v_new app.employees;
    v_counted uuid[] := '{}';
    v_created integer := 0;
    v_updated integer := 0;
    v_deactivated integer := 0;
    v_unchanged integer := 0;
    v_manager uuid;
begin
    perform pg_advisory_xact_lock(hashtextextended('hithonix.employee_import', 0));
    for r in
        select
            e ->> 'id' as keka_id,
            nullif(e ->> 'employeeNumber', '') as employee_number,
            nullif(e ->> 'attendanceNumber', '') as attendance_number,
            lower(e ->> 'email') as email,
            coalesce(nullif(e ->> 'displayName', ''), btrim(concat_ws(' ', e ->> 'firstName', e ->> 'lastName')))
                as full_name,
            nullif(e ->> 'jobTitle', '') as designation,
            left(nullif(e ->> 'joiningDate', ''), 10)::date as date_of_joining,
            left(nullif(e ->> 'exitDate', ''), 10)::date as exit_date,
            (e ->> 'employmentStatus') in ('Relieved', '1') as relieved,
            e -> 'reportsTo' ->> 'id' as manager_keka_id,
            e as raw
        from jsonb_array_elements(p_employees) as e
        order by e ->> 'id'
    loop
        select m.id into v_manager from app.employees as m where m.keka_id = r.manager_keka_id;
        select * into v_old from app.employees as x
        where x.keka_id = r.keka_id or (x.keka_id is null and x.email = r.email::citext)
        order by x.keka_id nulls last
        limit 1
        for update;
        if not found then
            insert into app.employees (
                keka_id, employee_number, attendance_number, email, full_name, designation,
                date_of_joining, exit_date, employment_status, manager_employee_id, raw_keka_profile
            ) values (
                r.keka_id, r.employee_number, r.attendance_number, r.email, r.full_name, r.designation,
                r.date_of_joining, r.exit_date,
                case when r.relieved then 'RELIEVED' else 'ACTIVE' end::app.employment_status,
                v_manager, r.raw
            )
            returning * into v_new;
            v_created := v_created + 1;
            v_counted := v_counted || v_new.id;
            continue;
        end if;
        update app.employees as x set
            keka_id = r.keka_id,
            employee_number = r.employee_number,
            attendance_number = r.attendance_number,
            email = r.email,
            full_name = r.full_name,
            designation = r.designation,
            date_of_joining = r.date_of_joining,
            exit_date = r.exit_date,
            employment_status = case
                when r.relieved then 'RELIEVED'
                when x.employment_status = 'RELIEVED' then 'ACTIVE'
                else x.employment_status
            end::app.employment_status,
            manager_employee_id = coalesce(v_manager, x.manager_employee_id),
            raw_keka_profile = r.raw
        where x.id = v_old.id
            and (x.keka_id, x.employee_number, x.attendance_number, x.email::text, x.full_name, x.designation,
                 x.date_of_joining, x.exit_date, x.employment_status = 'RELIEVED',
                 coalesce(v_manager, x.manager_employee_id), x.raw_keka_profile)
            is distinct from
                (r.keka_id, r.employee_number, r.attendance_number, r.email, r.full_name, r.designation,
                 r.date_of_joining, r.exit_date, r.relieved, x.manager_employee_id, r.raw)
        returning * into v_new;
        if not found then
            v_unchanged := v_unchanged + 1;
        elsif v_new.employment_status = 'RELIEVED' and v_old.employment_status <> 'RELIEVED' then
            v_deactivated := v_deactivated + 1;
        else
            v_updated := v_updated + 1;
        end if;
        v_counted := v_counted || v_old.id;
    end loop;

    -- managers created later in this run
    with fixed as (
        update app.employees as x set manager_employee_id = m.id
        from jsonb_array_elements(p_employees) as e
        inner join app.employees as m on m.keka_id = e -> 'reportsTo' ->> 'id'
        where x.keka_id = e ->> 'id' and x.manager_employee_id is distinct from m.id
        returning x.id
    )
    select v_updated + count(*) filter (where not fixed.id = any(v_counted)) into v_updated from fixed;

    update app.keka_employee_imports set
        status = 'SUCCEEDED', finished_at = now(), pages = p_pages,
        fetched = jsonb_array_length(p_employees),
        created_count = v_created, updated_count = v_updated,
        deactivated_count = v_deactivated, unchanged_count = v_unchanged
    where id = p_run_id;
    return jsonb_build_object(
        'created', v_created, 'updated', v_updated, 'deactivated', v_deactivated,
        'unchanged', v_unchanged, 'fetched', jsonb_array_length(p_employees)
    );
end
$$;
grant execute on function app.apply_employee_import_v1(bigint, jsonb, integer) to hithonix_worker;
