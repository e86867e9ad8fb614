-- The punch path: one employee's own CLOCK_IN/OUT, breaks and lunch.
--
-- Serialized per employee (app.lock_employee: their ledger chain head), so two
-- concurrent CLOCK_INs cannot both pass the state check (the live step in the
-- ledger's trigger locks) and two retries of one idempotency key find one
-- event (locked here, before the lookup). Idempotency: the same key with the same
-- request returns the original event; with a different request it is refused.
-- The state machine itself lives in the ledger's BEFORE INSERT trigger, so it
-- holds for every source, not just this path.

-- Which sources are people punching live (as opposed to admin, import, system
-- rows, which record history): the punch path accepts only these, and the
-- ledger's BEFORE INSERT trigger runs the live state machine only for these.
-- SQL and immutable so that it inlines into the callers' cached plans.
create or replace function app.is_live_punch_source(p_source text) returns boolean
language sql immutable
as $$
    select coalesce(p_source in ('web', 'slack', 'kiosk', 'api', 'mobile'), false)
$$;
comment on function app.is_live_punch_source(text) is
'Is this a source people punch from live (web, slack, kiosk, api, mobile)?';

-- The event and the resulting day, as every punch returns them (the day
-- without the state machine's internal columns).
-- PL/pgSQL: its plan is cached (a SQL function taking rows would be planned on
-- every call).
create or replace function app.punch_json(p_event app.attendance_events, p_day app.daily_status) returns jsonb
language plpgsql immutable
as $$
begin
    return jsonb_build_object(
        'event', to_jsonb(p_event) - 'request_hash',
        'daily_status', case when p_day.employee_id is not null then to_jsonb(p_day) - array[
            'state_since', 'worked_seconds', 'break_seconds', 'lunch_seconds', 'lunch_starts'
        ] end
    );
end
$$;

create or replace function app.punch_result(p_event_id bigint) returns jsonb
language plpgsql volatile
as $$
begin
    return (
        select app.punch_json(ev, ds)
        from app.attendance_events as ev
        left join app.daily_status as ds
            on ds.employee_id = ev.employee_id and ds.business_date_ist = ev.business_date_ist
        where ev.id = p_event_id
    );
end
$$;

-- A live punch's instant: not in the future beyond the clock skew, not
-- back-dated beyond employee_backdate_minutes (admins add older events).
-- SQL and VOLATILE (app.fail is), so that it inlines into its PL/pgSQL callers'
-- expressions: no function call on the punch path when the instant is fine.
create or replace function app.require_punch_window(p_at timestamptz, p_policy jsonb) returns void
language sql volatile
as $$
    select case
        when p_at > now() + make_interval(secs => (p_policy ->> 'clock_skew_seconds')::integer)
            then app.fail(422, 'OCCURRED_AT_IN_FUTURE', 'occurred_at is in the future.')
        when p_at < now() - make_interval(mins => (p_policy ->> 'employee_backdate_minutes')::integer)
            then app.fail(
                422, 'BACKDATE_LIMIT_EXCEEDED',
                format('A punch may be dated at most %s minutes back; ask an admin to add it.',
                    p_policy ->> 'employee_backdate_minutes')
            )
    end
$$;
comment on function app.require_punch_window(timestamptz, jsonb) is
'Refuse a live punch dated in the future (422 OCCURRED_AT_IN_FUTURE) or too far back (422 BACKDATE_LIMIT_EXCEEDED).';

-- Internal: record a live punch for a resolved employee. Not granted to anyone;
-- only SECURITY DEFINER functions call it (app.punch, the caller's own;
-- app.kiosk_punch and app.badge_scan, by badge; app.try_punch), so it runs as
-- the owner with their pinned search_path and needs no definer switch of its
-- own (every name inside is qualified all the same).
create or replace function app.record_punch(
    p_employee_id uuid,
    p_event_type app.event_type,
    p_occurred_at timestamptz,
    p_idempotency_key text,
    p_source text,
    p_note text,
    p_plan text,
    p_check_plan boolean,
    p_second_opinion jsonb default null
) returns jsonb
language plpgsql volatile
as $$
declare
    v_emp record;
    v_at timestamptz := coalesce(p_occurred_at, now());
    v_policy jsonb;
    v_hash text;
    v_existing app.attendance_events;
    v_payload jsonb := '{}';
    v_check jsonb;
    v_mode text;
    v_event app.attendance_events;
    v_day app.daily_status;
begin
    perform app.require_punch_arguments(p_note, p_plan, p_idempotency_key);
    if p_employee_id is null then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'This call needs a token that names an employee.');
    end if;
    if not app.is_live_punch_source(p_source) then
        perform app.fail(422, 'INVALID_ARGUMENT', 'source must be one of web, slack, kiosk, api, mobile.');
    end if;
    -- two retries of one idempotency key must find one event: lock before
    -- looking (a punch without a key is locked by its live step, in the insert)
    if p_idempotency_key is not null then
        perform app.lock_employee(p_employee_id);
    end if;

    -- the columns used, not the row (raw_keka_profile may hold 64 KB); a
    -- CLOCK_IN's policy in the same statement (app.merged_policy, inlined),
    -- null without the merged row (then app.policy_of below, which aggregates)
    select
        e.employment_status,
        e.slack_user_id,
        e.email,
        case when p_event_type = 'CLOCK_IN' then
            (select p.policy from app.merged_policy(e.shift_config, true) as p (policy))
        end as policy
    into v_emp
    from app.employees as e where e.id = p_employee_id;
    if not found then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    if v_emp.employment_status <> 'ACTIVE' then
        perform app.fail(403, 'EMPLOYEE_INACTIVE', 'This employee is not active.');
    end if;

    v_hash := md5(jsonb_build_object(
        'type', p_event_type, 'at', p_occurred_at, 'source', p_source, 'note', p_note, 'plan', p_plan
    )::text);
    if p_idempotency_key is not null then
        select * into v_existing
        from app.attendance_events as ev
        where ev.employee_id = p_employee_id and ev.idempotency_key = p_idempotency_key;
        if found then
            if v_existing.request_hash is distinct from v_hash then
                perform app.fail(
                    409, 'IDEMPOTENCY_KEY_REUSED',
                    'This idempotency key was already used for a different request.'
                );
            end if;
            return app.punch_result(v_existing.id) || '{"replayed": true}';
        end if;
    end if;

    -- the time window (future, back-dating) is the live step's first check
    -- (app.apply_live_punch), for every live source, with the policy it merges
    -- anyway; a CLOCK_IN checks it here too, before the plan (a far instant is
    -- the first thing to refuse)
    if p_note is not null then
        v_payload := jsonb_build_object('note', p_note);
    end if;
    if p_event_type = 'CLOCK_IN' then
        v_policy := coalesce(v_emp.policy, app.policy_of(p_employee_id, true));
        perform app.require_punch_window(v_at, v_policy);
        v_mode := coalesce(v_policy ->> 'gatekeeper_mode', 'enforce');
        v_payload := v_payload || jsonb_strip_nulls(jsonb_build_object('plan', p_plan));
        if not p_check_plan then
            v_payload := v_payload || '{"gatekeeper_status": "NOT_APPLICABLE"}';
        elsif v_mode = 'off' then
            v_payload := v_payload || '{"gatekeeper_status": "OFF"}';
        else
            begin
                v_check := app.validate_shift_plan(p_plan);
            exception when others then
                v_check := jsonb_build_object(
                    'valid', false, 'reason', 'The plan check could not run.',
                    'errors', jsonb_build_array('CHECK_FAILED')
                );
            end;
            if (v_check ->> 'valid')::boolean then
                v_payload := v_payload || app.second_opinion_payload(p_second_opinion);
            elsif v_mode = 'enforce' then
                perform app.fail(422, 'SHIFT_PLAN_INVALID', v_check ->> 'reason', v_check);
            else
                v_payload := v_payload || jsonb_build_object(
                    'gatekeeper_status', 'SKIPPED', 'gatekeeper_errors', v_check -> 'errors'
                );
            end if;
        end if;
    end if;

    insert into app.attendance_events (
        employee_id, event_type, occurred_at, source, idempotency_key, request_hash, payload, created_by
    ) values (
        p_employee_id, p_event_type, v_at, p_source, p_idempotency_key, v_hash, v_payload,
        -- app.current_actor() without its query: the caller's own punch names
        -- the employee already read above. The token's claim compared as text,
        -- without app.current_employee_id()'s pattern (~5 us a call): a claim
        -- that is the id in another spelling (upper case) takes
        -- app.current_actor(), which gives the same actor
        case
            when p_employee_id::text = app.jwt_claims() ->> 'employee_id'
                then coalesce(v_emp.slack_user_id, v_emp.email::text)
            else app.current_actor()
        end
    )
    returning * into v_event;
    -- the row the insert's live step just wrote
    select * into v_day
    from app.daily_status as ds
    where ds.employee_id = v_event.employee_id and ds.business_date_ist = v_event.business_date_ist;
    return app.punch_json(v_event, v_day);
end
$$;

-- The caller's own punch (employee, approver, hr_admin).
create or replace function app.punch(
    p_event_type app.event_type,
    p_occurred_at timestamptz,
    p_idempotency_key text,
    p_source text,
    p_note text,
    p_plan text default null,
    p_second_opinion jsonb default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return app.record_punch(
        app.current_employee_id(), p_event_type, p_occurred_at, p_idempotency_key,
        p_source, p_note, p_plan, true, p_second_opinion
    );
end
$$;
grant execute on function app.punch(app.event_type, timestamptz, text, text, text, text, jsonb)
to employee, approver, hr_admin;

-- A badge reader's punch: the kiosk names the badge and the event type (the
-- scan that decides the type itself is app.badge_scan, 920_badge_scan.sql),
-- never the employee id,
-- and gets back only what its screen shows (issue 10): the holder's name and
-- their new state. event_type is text so that a wrong one is a 422 naming it.
create or replace function app.kiosk_punch(
    p_badge_id text, p_event_type text, p_idempotency_key text
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_device app.kiosk_devices;
    v_holder record;
    v_result jsonb;
begin
    perform app.require_role(array['kiosk']);
    -- the device rules hold here too, not only in the pre-request: a registered,
    -- unrevoked device (sql/functions/900_kiosk_devices.sql), and never an event
    -- reader (those record attendance through api.badge_scan and never punch)
    v_device := app.require_kiosk_device();
    if v_device.purpose = 'event' then
        perform app.fail(403, 'FORBIDDEN', 'An event reader records attendance with badge_scan; it does not punch.');
    end if;
    if p_event_type is null or p_event_type not in (
        'CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END'
    ) then
        perform app.fail(
            422, 'INVALID_ARGUMENT',
            'event_type must be one of CLOCK_IN, CLOCK_OUT, BREAK_START, BREAK_END, LUNCH_START, LUNCH_END.',
            '{"field": "event_type"}'
        );
    end if;
    perform app.require_text('badge_id', p_badge_id, 64);
    -- the badge's current holder, by badge_scan's rule (app.badge_holder): an unknown, lost,
    -- revoked or unheld badge, or an inactive holder, is refused with the same security alert
    -- and answer as a scan (a body with response.status, so the alert commits)
    select * into v_holder from app.badge_holder(p_badge_id) as h;
    if v_holder.refusal is not null then
        return app.scan_refusal(
            v_device.id, p_badge_id, v_holder.holder_badge_id, v_holder.holder_id, v_holder.refusal, v_holder.detail
        );
    end if;
    v_result := app.record_punch(
        v_holder.holder_id, p_event_type::app.event_type, null, p_idempotency_key, 'kiosk',
        'kiosk ' || v_device.id, null, false
    );
    return jsonb_build_object(
        'name', v_holder.holder_name, 'state', v_result -> 'daily_status' ->> 'current_status'
    );
end
$$;
grant execute on function app.kiosk_punch(text, text, text) to kiosk;
