-- Corrections by people with authority, all audited: admin-added events,
-- VOIDs, and unlocking a policy-locked day. Corrections are new rows; nothing
-- in the ledger is changed.

-- The one way an authority adds a punch or a VOID (add_event, void_event,
-- lockup): a source 'admin' event with the reason in its payload (plus the
-- caller's context), the caller as created_by, and its audit row (p_action)
-- with the event as written, about the event it corrects (a VOID's
-- p_corrects_event_id) or else itself. The caller checked the role and the
-- reason and holds the employee's lock (app.lock_employee). Returns
-- app.punch_result.
create or replace function app.record_admin_event(
    p_employee_id uuid,
    p_event_type app.event_type,
    p_occurred_at timestamptz,
    p_reason text,
    p_action text,
    p_payload jsonb default '{}',
    p_before jsonb default null,
    p_corrects_event_id bigint default null
) returns jsonb
language plpgsql volatile
as $$
declare
    v_id bigint;
    v_result jsonb;
begin
    insert into app.attendance_events (
        employee_id, event_type, occurred_at, source, payload, corrects_event_id, created_by
    ) values (
        p_employee_id, p_event_type, p_occurred_at, 'admin',
        jsonb_build_object('reason', p_reason) || coalesce(p_payload, '{}'), p_corrects_event_id,
        app.current_actor()
    )
    returning id into v_id;
    v_result := app.punch_result(v_id);
    perform app.audit(
        p_action, 'attendance_events', coalesce(p_corrects_event_id, v_id)::text, p_employee_id, p_reason,
        p_before, v_result -> 'event'
    );
    return v_result;
end
$$;

create or replace function app.add_event(
    p_employee_id uuid, p_event_type text, p_occurred_at timestamptz, p_reason text
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_type app.event_type;
    v_policy jsonb;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    if p_event_type is null or p_event_type not in (
        'CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END'
    ) then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'event_type must be a punch type; use void_event to cancel one.',
            '{"field": "event_type"}'
        );
    end if;
    v_type := p_event_type::app.event_type;
    if not exists (select 1 from app.employees as e where e.id = p_employee_id) then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    -- a sane window around now, for admins too (issue 10): never -infinity or year 9999
    v_policy := app.policy(p_employee_id);
    perform app.require_occurred_at_window(
        p_occurred_at,
        make_interval(days => (v_policy ->> 'admin_backdate_days')::integer),
        make_interval(secs => (v_policy ->> 'clock_skew_seconds')::integer)
    );
    perform app.lock_employee(p_employee_id);
    return app.record_admin_event(p_employee_id, v_type, p_occurred_at, p_reason, 'ADMIN_ADJUST');
end
$$;
grant execute on function app.add_event(uuid, text, timestamptz, text) to hr_admin;

create or replace function app.void_event(p_event_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_target app.attendance_events;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    select * into v_target from app.attendance_events as ev where ev.id = p_event_id;
    if not found then
        perform app.fail(404, 'EVENT_NOT_FOUND', 'No event has this id.');
    end if;
    if v_target.event_type = 'VOID' then
        perform app.fail(422, 'INVALID_ARGUMENT', 'A VOID cannot be voided; add the event again instead.');
    end if;
    perform app.lock_employee(v_target.employee_id);
    if exists (select 1 from app.attendance_events as x where x.corrects_event_id = p_event_id) then
        perform app.fail(409, 'EVENT_ALREADY_VOIDED', 'This event was already voided.');
    end if;
    return app.record_admin_event(
        v_target.employee_id, 'VOID', now(), p_reason, 'VOID_EVENT',
        p_before => to_jsonb(v_target) - 'request_hash', p_corrects_event_id => p_event_id
    );
end
$$;
grant execute on function app.void_event(bigint, text) to hr_admin;

-- The one way a locked day is unlocked (unlock_day; an approved EXEMPT_LOCK
-- adjustment): a day_unlocks row through the day's latest event, the day
-- re-derived, and its UNLOCK_DAY audit row (p_context: what asked for it).
-- The caller checked who may unlock and holds the employee's lock.
create or replace function app.record_day_unlock(
    p_employee_id uuid, p_business_date date, p_reason text, p_context jsonb default '{}'
) returns jsonb
language plpgsql volatile
as $$
declare
    v_before app.daily_status;
    v_after app.daily_status;
begin
    select * into v_before
    from app.daily_status as ds
    where ds.employee_id = p_employee_id and ds.business_date_ist = p_business_date;
    if not found then
        perform app.fail(404, 'DAY_NOT_FOUND', 'This employee has no status for that date.');
    end if;
    if not v_before.is_locked then
        perform app.fail(409, 'DAY_NOT_LOCKED', 'This day is not locked.');
    end if;
    insert into app.day_unlocks (
        employee_id, business_date_ist, through_event_id, lock_reason, reason, unlocked_by
    )
    select p_employee_id, p_business_date, max(ev.id), v_before.lock_reason, p_reason, app.current_actor()
    from app.attendance_events as ev
    where ev.employee_id = p_employee_id and ev.business_date_ist = p_business_date;
    perform app.refresh_daily_status(array[p_employee_id], array[p_business_date]);
    select * into v_after
    from app.daily_status as ds
    where ds.employee_id = p_employee_id and ds.business_date_ist = p_business_date;
    perform app.audit(
        'UNLOCK_DAY', 'daily_status', p_employee_id::text || '/' || p_business_date::text,
        p_employee_id, p_reason, to_jsonb(v_before), to_jsonb(v_after), coalesce(p_context, '{}')
    );
    return to_jsonb(v_after);
end
$$;

create or replace function app.unlock_day(p_employee_id uuid, p_business_date date, p_reason text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.require_role(array['approver', 'hr_admin']);
    if app.current_app_role() = 'approver' and not app.is_report_of_caller(p_employee_id) then
        perform app.fail(403, 'FORBIDDEN', 'Approvers unlock days of their own reports only.');
    end if;
    perform app.require_reason(p_reason);
    perform app.lock_employee(p_employee_id);
    return app.record_day_unlock(p_employee_id, p_business_date, p_reason);
end
$$;
grant execute on function app.unlock_day(uuid, date, text) to approver, hr_admin;
