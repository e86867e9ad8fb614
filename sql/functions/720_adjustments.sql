-- Adjustment (regularization) requests (issue 14, part 1): request, approve,
-- reject, withdraw. An approval is new ledger rows, never an update: the
-- requested punches with source 'regularization' and payload
-- {adjustment_request_id, reason} (hashed into the ledger chain), and a VOID
-- for each punch a requested one replaces, in one INSERT, so the day is
-- re-derived once by the ledger's _020_new_rows in the same transaction; an
-- EXEMPT_LOCK approval is a day_unlocks row and the day replayed. Every step is
-- audited; every decision is one row of app.adjustment_decisions (append-only).
-- The period lock refuses an approval for a closed date (trigger on the
-- decisions, sql/triggers/730_period_lock.sql, and on the ledger itself).

-- Serializes one employee's adjustment requests (the monthly limit is a count:
-- check-then-write needs it); its own key space, so punches do not wait.
create or replace function app.adjustment_lock(p_employee_id uuid) returns void
language plpgsql volatile
as $$
begin
    perform pg_advisory_xact_lock(hashtextextended('hithonix.adjustment:' || p_employee_id::text, 0));
end
$$;

create or replace function app.adjustment_json(p_request app.adjustment_requests) returns jsonb
language sql stable
as $$
    select to_jsonb(p_request)
$$;

-- (app.setting_integer is gone: app.setting_int, sql/functions/020_policy.sql, clamps the value)
drop function if exists app.setting_integer(text);

-- The requested punches, checked and normalised (occurred_at as UTC ISO text,
-- in time order): each an object with a punch event_type, an occurred_at on
-- the business date or the night after it and not in the future, and at most
-- one replaces_event_id: a live, not yet voided punch of the employee on that
-- date. 422 INVALID_ARGUMENT naming the element otherwise, never a 500.
create or replace function app.adjustment_punches(p_employee_id uuid, p_business_date date, p_punches jsonb)
returns jsonb
language plpgsql volatile
as $$
declare
    v_item jsonb;
    v_n integer := 0;
    v_at timestamptz;
    v_replaces bigint;
    v_out jsonb := '[]';
begin
    if jsonb_typeof(p_punches) is distinct from 'array' or jsonb_array_length(p_punches) not between 1 and 8 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'punches must be an array of 1 to 8 {event_type, occurred_at} objects.',
            '{"field": "punches"}'
        );
    end if;
    perform app.require_max_length('punches', p_punches::text, 4000);
    for v_item in select x from jsonb_array_elements(p_punches) as x loop
        v_n := v_n + 1;
        if jsonb_typeof(v_item) is distinct from 'object' or coalesce(v_item ->> 'event_type', '') not in (
            'CLOCK_IN', 'CLOCK_OUT', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END'
        ) then
            perform app.fail(
                422, 'INVALID_ARGUMENT', format('punches[%s].event_type must be a punch type (not VOID).', v_n),
                jsonb_build_object('field', 'punches', 'index', v_n)
            );
        end if;
        begin
            v_at := (v_item ->> 'occurred_at')::timestamptz;
            v_replaces := (v_item ->> 'replaces_event_id')::bigint;
        exception when others then
            perform app.fail(
                422, 'INVALID_ARGUMENT',
                format('punches[%s]: occurred_at must be a timestamp, replaces_event_id an event id.', v_n),
                jsonb_build_object('field', 'punches', 'index', v_n)
            );
        end;
        if v_at is null or app.ist_date(v_at) not between p_business_date and p_business_date + 1 or v_at > now() then
            perform app.fail(
                422, 'INVALID_ARGUMENT',
                format('punches[%s].occurred_at must fall on %s (or the night after it) and not in the future.', v_n, p_business_date),
                jsonb_build_object('field', 'punches', 'index', v_n)
            );
        end if;
        if v_replaces is not null and not exists (
            select 1 from app.attendance_events as ev
            where ev.id = v_replaces and ev.employee_id = p_employee_id and ev.business_date_ist = p_business_date
                and ev.event_type <> 'VOID'
                and not exists (select 1 from app.attendance_events as x where x.corrects_event_id = ev.id)
        ) then
            perform app.fail(
                422, 'INVALID_ARGUMENT',
                format('punches[%s].replaces_event_id is not a live punch of yours on %s.', v_n, p_business_date),
                jsonb_build_object('field', 'punches', 'index', v_n)
            );
        end if;
        if v_replaces is not null and v_out @> jsonb_build_array(jsonb_build_object('replaces_event_id', v_replaces)) then
            perform app.fail(
                422, 'INVALID_ARGUMENT', format('punches[%s] replaces an event another punch replaces.', v_n),
                jsonb_build_object('field', 'punches', 'index', v_n)
            );
        end if;
        v_out := v_out || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'event_type', v_item ->> 'event_type', 'occurred_at', v_at, 'replaces_event_id', v_replaces
        )));
    end loop;
    return (
        select jsonb_agg(x order by (x ->> 'occurred_at')::timestamptz, x ->> 'event_type')
        from jsonb_array_elements(v_out) as x
    );
end
$$;

create or replace function app.request_adjustment(
    p_business_date date, p_kind text, p_punches jsonb, p_reason text
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employee_id uuid := app.current_employee_id();
    v_today date := app.ist_date(now());
    v_max_back integer := app.setting_int('adjustment_max_days_back', 30, 0, 3650);
    v_max_month integer := app.setting_int('adjustment_max_per_month', 3, 0, 1000);
    v_punches jsonb := '[]';
    v_used integer;
    v_open bigint;
    v_request app.adjustment_requests;
begin
    perform app.require_role(array['employee', 'approver', 'hr_admin']);
    if v_employee_id is null then
        perform app.fail(403, 'FORBIDDEN', 'Only a person with an employee id can request an adjustment.');
    end if;
    perform app.require_reason(p_reason);
    if p_kind is null or p_kind not in ('ADD_PUNCHES', 'EXEMPT_LOCK') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'kind must be ADD_PUNCHES or EXEMPT_LOCK.', '{"field": "kind"}');
    end if;
    if p_business_date is null or p_business_date > v_today then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'business_date is required and cannot be in the future.', '{"field": "business_date"}'
        );
    end if;
    if p_business_date < v_today - v_max_back then
        perform app.fail(
            422, 'ADJUSTMENT_TOO_OLD', format('Adjustments reach back %s days at most.', v_max_back),
            jsonb_build_object('field', 'business_date', 'max_days_back', v_max_back)
        );
    end if;
    perform app.assert_period_open(p_business_date, p_business_date);
    perform app.adjustment_lock(v_employee_id);
    if p_kind = 'ADD_PUNCHES' then
        v_punches := app.adjustment_punches(v_employee_id, p_business_date, p_punches);
    elsif p_punches is not null and p_punches <> '[]'::jsonb then
        perform app.fail(422, 'INVALID_ARGUMENT', 'An EXEMPT_LOCK request carries no punches.', '{"field": "punches"}');
    end if;
    if p_kind = 'EXEMPT_LOCK' and not exists (
        select 1 from app.daily_status as ds
        where ds.employee_id = v_employee_id and ds.business_date_ist = p_business_date and ds.is_locked
    ) then
        perform app.fail(409, 'DAY_NOT_LOCKED', 'This day is not locked.');
    end if;
    select r.id into v_open
    from app.adjustment_requests as r
    where r.employee_id = v_employee_id and r.business_date = p_business_date and r.status = 'PENDING';
    if v_open is not null then
        perform app.fail(
            409, 'ADJUSTMENT_OPEN_EXISTS', 'An adjustment request for this day is already pending.',
            jsonb_build_object('adjustment_request_id', v_open)
        );
    end if;
    select count(*) into v_used
    from app.adjustment_requests as r
    where r.employee_id = v_employee_id
        and r.business_date >= date_trunc('month', p_business_date)::date
        and r.business_date < (date_trunc('month', p_business_date) + interval '1 month')::date
        and r.status <> 'WITHDRAWN';
    if v_used >= v_max_month then
        perform app.fail(
            422, 'ADJUSTMENT_LIMIT', format('%s adjustment requests this month already (the limit).', v_used),
            jsonb_build_object('max_per_month', v_max_month, 'month', to_char(p_business_date, 'YYYY-MM'))
        );
    end if;
    begin
        insert into app.adjustment_requests (employee_id, business_date, kind, punches, reason, requested_by)
        values (v_employee_id, p_business_date, p_kind, v_punches, p_reason, app.current_actor())
        returning * into v_request;
    exception when unique_violation then
        -- a racing session filed one for the same day first
        perform app.fail(409, 'ADJUSTMENT_OPEN_EXISTS', 'An adjustment request for this day is already pending.');
    end;
    perform app.audit(
        'ADJUSTMENT_REQUEST', 'adjustment_requests', v_request.id::text, v_employee_id, p_reason,
        null, app.adjustment_json(v_request)
    );
    return app.adjustment_json(v_request);
end
$$;
grant execute on function app.request_adjustment(date, text, jsonb, text) to employee, approver, hr_admin;

create or replace function app.adjustment_for_update(p_adjustment_request_id bigint) returns app.adjustment_requests
language plpgsql volatile
as $$
declare
    v_request app.adjustment_requests;
begin
    select * into v_request from app.adjustment_requests as r where r.id = p_adjustment_request_id for update;
    if not found then
        perform app.fail(404, 'ADJUSTMENT_NOT_FOUND', 'No adjustment request has this id.');
    end if;
    return v_request;
end
$$;

-- Who may decide: an approver over the requester's chain or hr_admin, never
-- on their own request, and only while it is pending.
create or replace function app.adjustment_require_decider(p_request app.adjustment_requests) returns void
language plpgsql stable
as $$
begin
    perform app.require_decider(p_request.employee_id, p_request.status::text, 'ADJUSTMENT', 'adjustment requests');
end
$$;

-- The decision row, the request's new status and the audit row; answers the
-- request, its decision and the day as they are now.
create or replace function app.adjustment_decide(
    p_before app.adjustment_requests, p_decision text, p_reason text, p_event_ids bigint[], p_action text
) returns jsonb
language plpgsql volatile
as $$
declare
    v_decision app.adjustment_decisions;
    v_after app.adjustment_requests;
begin
    insert into app.adjustment_decisions (
        employee_id, adjustment_request_id, decision, reason, event_ids, decided_by
    ) values (
        p_before.employee_id, p_before.id, p_decision, p_reason, coalesce(p_event_ids, '{}'), app.current_actor()
    )
    returning * into v_decision;
    -- the decision moved the request's status (trigger _100_request_status)
    select * into v_after
    from app.adjustment_requests as r
    where r.employee_id = p_before.employee_id and r.id = p_before.id;
    perform app.audit(
        p_action, 'adjustment_requests', v_after.id::text, v_after.employee_id, coalesce(p_reason, v_after.reason),
        app.adjustment_json(p_before), app.adjustment_json(v_after),
        jsonb_build_object('decision_id', v_decision.id, 'event_ids', to_jsonb(v_decision.event_ids))
    );
    return jsonb_build_object(
        'request', app.adjustment_json(v_after),
        'decision', to_jsonb(v_decision),
        'daily_status', (
            select to_jsonb(ds) - array['state_since', 'worked_seconds', 'break_seconds', 'lunch_seconds', 'lunch_starts']
            from app.daily_status as ds
            where ds.employee_id = v_after.employee_id and ds.business_date_ist = v_after.business_date
        )
    );
end
$$;

create or replace function app.approve_adjustment(p_adjustment_request_id bigint, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_request app.adjustment_requests;
    v_event_ids bigint[];
    v_constraint text;
begin
    perform app.require_role(array['approver', 'hr_admin']);
    if p_reason is not null then
        perform app.require_reason(p_reason);
    end if;
    v_request := app.adjustment_for_update(p_adjustment_request_id);
    perform app.adjustment_require_decider(v_request);
    perform app.lock_employee(v_request.employee_id);
    if v_request.kind = 'ADD_PUNCHES' then
        -- one statement: the ledger's statement trigger re-derives every touched day once;
        -- an event replaced here that was voided since: attendance_events_one_void_idx refuses
        begin
            with added as (
                insert into app.attendance_events (
                    employee_id, event_type, occurred_at, source, payload, corrects_event_id, created_by
                )
                select
                    v_request.employee_id, r.event_type, r.occurred_at, 'regularization',
                    jsonb_build_object('adjustment_request_id', v_request.id, 'reason', v_request.reason),
                    r.corrects_event_id, app.current_actor()
                from (
                    select 'VOID'::app.event_type as event_type, now() as occurred_at,
                        (p ->> 'replaces_event_id')::bigint as corrects_event_id, 0 as part, n
                    from jsonb_array_elements(v_request.punches) with ordinality as x (p, n)
                    where p ? 'replaces_event_id'
                    union all
                    select (p ->> 'event_type')::app.event_type, (p ->> 'occurred_at')::timestamptz, null, 1, n
                    from jsonb_array_elements(v_request.punches) with ordinality as x (p, n)
                ) as r
                order by r.part, r.n
                returning id
            )
            select array_agg(a.id order by a.id) into v_event_ids from added as a;
        exception when unique_violation then
            get stacked diagnostics v_constraint = constraint_name;
            if v_constraint is distinct from 'attendance_events_one_void_idx' then
                raise;
            end if;
            perform app.fail(
                409, 'EVENT_ALREADY_VOIDED', 'An event this request replaces was voided since; ask for a new request.'
            );
        end;
    else
        -- the one unlock (sql/functions/220_corrections.sql): day_unlocks, re-derivation, UNLOCK_DAY audit
        perform app.record_day_unlock(
            v_request.employee_id, v_request.business_date, v_request.reason,
            jsonb_build_object('adjustment_request_id', v_request.id)
        );
    end if;
    return app.adjustment_decide(v_request, 'APPROVED', p_reason, v_event_ids, 'ADJUSTMENT_APPROVE');
end
$$;
grant execute on function app.approve_adjustment(bigint, text) to approver, hr_admin;

create or replace function app.reject_adjustment(p_adjustment_request_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_request app.adjustment_requests;
begin
    perform app.require_role(array['approver', 'hr_admin']);
    perform app.require_reason(p_reason);
    v_request := app.adjustment_for_update(p_adjustment_request_id);
    perform app.adjustment_require_decider(v_request);
    return app.adjustment_decide(v_request, 'REJECTED', p_reason, null, 'ADJUSTMENT_REJECT');
end
$$;
grant execute on function app.reject_adjustment(bigint, text) to approver, hr_admin;

-- The requester takes their own pending request back (it stops counting
-- against the monthly limit).
create or replace function app.withdraw_adjustment(p_adjustment_request_id bigint, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_request app.adjustment_requests;
begin
    perform app.require_role(array['employee', 'approver', 'hr_admin']);
    if p_reason is not null then
        perform app.require_reason(p_reason);
    end if;
    v_request := app.adjustment_for_update(p_adjustment_request_id);
    if v_request.employee_id is distinct from app.current_employee_id() then
        perform app.fail(403, 'FORBIDDEN', 'Only the requester can withdraw a request.');
    end if;
    if v_request.status <> 'PENDING' then
        perform app.fail(409, 'ADJUSTMENT_NOT_PENDING', format('This request is %s.', v_request.status));
    end if;
    return app.adjustment_decide(v_request, 'WITHDRAWN', p_reason, null, 'ADJUSTMENT_WITHDRAW');
end
$$;
grant execute on function app.withdraw_adjustment(bigint, text) to employee, approver, hr_admin;
