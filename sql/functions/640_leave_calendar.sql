-- The database side of the calendar sync (Microsoft Graph). Approve and cancel
-- put {"action": "create"|"delete", "leave_request_id", "employee_id"} on the
-- pgmq queue calendar_sync in their own transaction (610_leave_requests.sql);
-- the worker (hithonix_worker) reads the queue, asks calendar_sync_item_v1 what
-- to send and records the outcome with record_calendar_sync_v1 — the only
-- writer of the calendar_* columns. hr_admin re-enqueues with calendar_resync.

-- What the worker needs for one request. Definer: the worker may not read
-- employees' e-mails or names otherwise. transaction_id is derived from the
-- request id, so a retried create is the same Graph transaction (de-duplicated).
create or replace function app.calendar_sync_item_v1(p_leave_request_id bigint)
returns table (
    leave_request_id bigint,
    employee_id uuid,
    user_id text,
    full_name text,
    policy_code text,
    policy_name text,
    start_date date,
    end_date date,
    half_day_start boolean,
    half_day_end boolean,
    request_status text,
    calendar_event_id text,
    calendar_sync_status text,
    calendar_attempt_count integer,
    transaction_id uuid
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        r.id,
        r.employee_id,
        e.email::text,
        e.full_name,
        r.policy_code,
        p.name,
        r.start_date,
        r.end_date,
        r.half_day_start,
        r.half_day_end,
        r.status,
        r.calendar_event_id,
        r.calendar_sync_status,
        r.calendar_attempt_count,
        md5('hithonix.leave_request:' || r.id::text)::uuid
    from app.leave_requests as r
    inner join app.employees as e on e.id = r.employee_id
    inner join app.leave_policies as p on p.code = r.policy_code
    where r.id = p_leave_request_id
$$;
comment on function app.calendar_sync_item_v1(bigint) is
'Worker: the Graph event for one leave request (user e-mail, dates, subject, sync state, idempotent transaction id).';
grant execute on function app.calendar_sync_item_v1(bigint) to hithonix_worker;

-- Record one attempt. Invoker: the worker's column grants are the wall.
-- SYNCED counts a successful create, DELETED a successful delete, FAILED a
-- permanent failure; PENDING / DELETE_PENDING record a transient error (retry).
-- A create that lands after the leave was cancelled is kept as DELETE_PENDING
-- with a delete message, so no event outlives its leave.
create or replace function app.record_calendar_sync_v1(
    p_leave_request_id bigint, p_status text, p_event_id text, p_error text
) returns jsonb
language plpgsql volatile
as $$
declare
    v_status text := p_status;
    v_request_status text;
    v_employee_id uuid;
    v_result jsonb;
begin
    if p_status is null or p_status not in ('PENDING', 'SYNCED', 'DELETE_PENDING', 'DELETED', 'FAILED') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'status: PENDING, SYNCED, DELETE_PENDING, DELETED or FAILED.');
    end if;
    perform app.leave_arg(
        length(p_event_id) <= 1024 or p_event_id is null, 'event_id', 'at most 1024 characters.'
    );
    select r.status, r.employee_id into v_request_status, v_employee_id
    from app.leave_requests as r where r.id = p_leave_request_id
    for update;
    if not found then
        perform app.fail(404, 'LEAVE_REQUEST_NOT_FOUND', 'No leave request has this id.');
    end if;
    if p_status = 'SYNCED' and v_request_status <> 'APPROVED' then
        v_status := 'DELETE_PENDING';
        perform pgmq.send(
            'calendar_sync',
            jsonb_build_object('action', 'delete', 'leave_request_id', p_leave_request_id, 'employee_id', v_employee_id)
        );
    end if;
    update app.leave_requests as r set
        calendar_sync_status = v_status,
        calendar_event_id = coalesce(p_event_id, r.calendar_event_id),
        calendar_last_error = left(p_error, 2000),
        calendar_attempt_count = r.calendar_attempt_count + 1,
        calendar_synced_at = case when p_status in ('SYNCED', 'DELETED') then now() else r.calendar_synced_at end
    where r.employee_id = v_employee_id and r.id = p_leave_request_id
    returning jsonb_build_object(
        'leave_request_id', r.id,
        'calendar_sync_status', r.calendar_sync_status,
        'calendar_event_id', r.calendar_event_id,
        'calendar_attempt_count', r.calendar_attempt_count
    ) into v_result;
    return v_result;
end
$$;
comment on function app.record_calendar_sync_v1(bigint, text, text, text) is
'Worker: record the outcome of one calendar create/delete in the calendar_* columns.';
grant execute on function app.record_calendar_sync_v1(bigint, text, text, text) to hithonix_worker;
-- it runs with the worker's rights, so it needs the error helpers it calls
grant execute on function app.fail(integer, text, text, jsonb), app.leave_arg(boolean, text, text) to hithonix_worker;

-- hr_admin: put unfinished calendar work back on the queue — approved leave
-- not yet SYNCED (create) and cancelled leave whose event may still exist
-- (delete) — unless a message for the request is already waiting.
create or replace function app.calendar_resync(p_leave_request_ids bigint[]) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_request app.leave_requests;
    v_action text;
    v_enqueued bigint[] := '{}';
    v_skipped bigint[] := '{}';
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_arg(
        cardinality(p_leave_request_ids) between 1 and 1000, 'leave_request_ids', '1 to 1000 ids.'
    );
    for v_request in
        select r.* from app.leave_requests as r
        where r.id = any(p_leave_request_ids)
        order by r.id
        for update
    loop
        v_action := case
            when v_request.status = 'APPROVED' and v_request.calendar_sync_status in ('PENDING', 'FAILED') then 'create'
            when v_request.status = 'CANCELLED' and v_request.calendar_sync_status in ('DELETE_PENDING', 'FAILED')
                then 'delete'
        end;
        if v_action is null or exists (
            select 1 from pgmq.q_calendar_sync as m
            where (m.message ->> 'leave_request_id')::bigint = v_request.id
        ) then
            v_skipped := v_skipped || v_request.id;
            continue;
        end if;
        update app.leave_requests as r set
            calendar_sync_status = case when v_action = 'create' then 'PENDING' else 'DELETE_PENDING' end
        where r.employee_id = v_request.employee_id and r.id = v_request.id;
        perform app.leave_enqueue_calendar(v_request, v_action);
        v_enqueued := v_enqueued || v_request.id;
    end loop;
    if cardinality(v_enqueued) = 0 then
        perform app.fail(
            409, 'NOTHING_TO_SYNC', 'None of these requests has calendar work left, or it is already queued.',
            jsonb_build_object('skipped', to_jsonb(v_skipped))
        );
    end if;
    perform app.audit(
        'CALENDAR_SYNC', 'leave_requests', null, null, 'hr_admin re-enqueue', null,
        jsonb_build_object('enqueued', to_jsonb(v_enqueued), 'skipped', to_jsonb(v_skipped))
    );
    return jsonb_build_object('enqueued', to_jsonb(v_enqueued), 'skipped', to_jsonb(v_skipped));
end
$$;
grant execute on function app.calendar_resync(bigint[]) to hr_admin;
