-- Leave requests and their decisions: request (PENDING), approve (CONSUMPTION
-- row, days re-derived, calendar create message), reject, cancel (REVERSAL row,
-- days re-derived, calendar delete message). Every decision is audited with a
-- reason. One employee's leave writes are serialized by an advisory lock (a
-- balance is a sum, so check-then-write needs it); overlap is refused by the
-- table's exclusion constraint, which also decides between concurrent sessions.

-- Serializes one employee's leave writes (its own key space: punches do not wait).
create or replace function app.leave_lock(p_employee_id uuid) returns void
language plpgsql volatile
as $$
begin
    perform pg_advisory_xact_lock(hashtextextended('hithonix.leave:' || p_employee_id::text, 0));
end
$$;

-- 422 INVALID_ARGUMENT naming the field when p_ok is not true.
create or replace function app.leave_arg(p_ok boolean, p_field text, p_detail text) returns void
language plpgsql immutable
as $$
begin
    if p_ok is not true then
        perform app.fail(422, 'INVALID_ARGUMENT', p_field || ': ' || p_detail, jsonb_build_object('field', p_field));
    end if;
end
$$;

-- A decision's reason: required, 3–500 characters.
create or replace function app.leave_reason(p_reason text) returns void
language plpgsql immutable
as $$
begin
    perform app.leave_arg(
        length(btrim(p_reason)) between 3 and 500, 'reason', 'a reason of 3 to 500 characters is required.'
    );
end
$$;

-- Client-supplied dates stay within a year of today (IST).
create or replace function app.leave_date_arg(p_date date, p_field text) returns void
language plpgsql stable
as $$
declare
    v_today date := app.ist_date(now());
begin
    perform app.leave_arg(p_date is not null, p_field, 'is required.');
    perform app.leave_arg(
        p_date between v_today - 366 and v_today + 366, p_field, 'must be within a year of today.'
    );
end
$$;

-- The employee's week-off days (ISO weekday numbers), settings.week_off_days
-- overridden by shift_config.week_off_days; Sat/Sun when neither is usable.
create or replace function app.week_off_days(p_employee_id uuid) returns integer[]
language plpgsql stable
as $$
declare
    v_value jsonb := app.policy(p_employee_id) -> 'week_off_days';
begin
    if jsonb_typeof(v_value) = 'array' and not exists (
        select 1 from jsonb_array_elements(v_value) as x (d)
        where jsonb_typeof(x.d) <> 'number' or x.d::text !~ '^[1-7]$'
    ) then
        return array(select (x.d)::text::integer from jsonb_array_elements(v_value) as x (d));
    end if;
    return array[6, 7];
end
$$;

-- Days a leave counts: each date once (minus half a day for a half-day start or
-- end), leaving out week-offs and holidays unless the policy counts them
-- (sandwich rule).
create or replace function app.leave_counted_days(
    p_employee_id uuid, p_policy app.leave_policies, p_start date, p_end date,
    p_half_day_start boolean, p_half_day_end boolean
) returns numeric
language plpgsql stable
as $$
declare
    v_offs integer[] := app.week_off_days(p_employee_id);
    v_location text;
    v_days numeric;
begin
    select e.location into v_location from app.employees as e where e.id = p_employee_id;
    select coalesce(sum(
        1
        - case when d.day = p_start and p_half_day_start then 0.5 else 0 end
        - case when d.day = p_end and p_half_day_end then 0.5 else 0 end
    ), 0) into v_days
    from (select g::date as day from generate_series(p_start, p_end, interval '1 day') as g) as d
    where p_policy.count_non_working_days
        or (
            extract(isodow from d.day)::integer <> all(v_offs)
            and not exists (
                select 1 from app.holidays as h
                where h.holiday_date = d.day and h.location in ('*', coalesce(v_location, '*'))
            )
        );
    return v_days;
end
$$;

-- The balance of one policy in one leave year: the ledger summed.
create or replace function app.leave_balance(p_employee_id uuid, p_policy_code text, p_year integer)
returns numeric
language sql stable
as $$
    select coalesce(sum(l.days), 0)
    from app.leave_ledger as l
    where l.employee_id = p_employee_id
        and l.policy_code = p_policy_code
        and l.effective_date between make_date(p_year, 1, 1) and make_date(p_year, 12, 31)
$$;

-- Days requested and not yet decided (they are promised, so they count against a new request).
create or replace function app.leave_pending_days(p_employee_id uuid, p_policy_code text, p_year integer)
returns numeric
language sql stable
as $$
    select coalesce(sum(r.days), 0)
    from app.leave_requests as r
    where r.employee_id = p_employee_id
        and r.policy_code = p_policy_code
        and r.status = 'PENDING'
        and r.start_date between make_date(p_year, 1, 1) and make_date(p_year, 12, 31)
$$;

create or replace function app.leave_request_json(p_request app.leave_requests) returns jsonb
language sql immutable
as $$
    select to_jsonb(p_request) - 'slots'
$$;

create or replace function app.leave_policy_for(p_code text) returns app.leave_policies
language plpgsql stable
as $$
declare
    v_policy app.leave_policies;
begin
    perform app.leave_arg(length(p_code) between 1 and 30, 'policy_code', 'a policy code of 1 to 30 characters is required.');
    select * into v_policy from app.leave_policies as p where p.code = p_code and p.is_active;
    if not found then
        perform app.fail(404, 'LEAVE_POLICY_NOT_FOUND', 'No active leave policy has this code.', jsonb_build_object('field', 'policy_code'));
    end if;
    return v_policy;
end
$$;

-- The request as the caller may act on it, locked. 404 when it does not exist.
create or replace function app.leave_request_for_update(p_leave_request_id bigint) returns app.leave_requests
language plpgsql volatile
as $$
declare
    v_employee_id uuid;
    v_request app.leave_requests;
begin
    perform app.leave_arg(p_leave_request_id is not null, 'leave_request_id', 'is required.');
    select r.employee_id into v_employee_id from app.leave_requests as r where r.id = p_leave_request_id;
    if not found then
        perform app.fail(404, 'LEAVE_REQUEST_NOT_FOUND', 'No leave request has this id.');
    end if;
    perform app.leave_lock(v_employee_id);
    select * into v_request from app.leave_requests as r
    where r.employee_id = v_employee_id and r.id = p_leave_request_id
    for update;
    return v_request;
end
$$;

create or replace function app.request_leave(
    p_policy_code text,
    p_start_date date,
    p_end_date date,
    p_half_day_start boolean default false,
    p_half_day_end boolean default false,
    p_reason text default null,
    p_employee_id uuid default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_caller uuid := app.current_employee_id();
    v_target uuid;
    v_status app.employment_status;
    v_policy app.leave_policies;
    v_half_start boolean := coalesce(p_half_day_start, false);
    v_half_end boolean := coalesce(p_half_day_end, false);
    v_days numeric;
    v_available numeric;
    v_year integer;
    v_request app.leave_requests;
begin
    perform app.require_role(array['employee', 'approver', 'hr_admin']);
    if v_caller is null then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'The token carries no employee.');
    end if;
    v_target := coalesce(p_employee_id, v_caller);
    if v_target <> v_caller and app.current_app_role() <> 'hr_admin' then
        perform app.fail(403, 'FORBIDDEN', 'Only hr_admin requests leave for someone else.');
    end if;
    select e.employment_status into v_status from app.employees as e where e.id = v_target;
    if not found then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    elsif v_status <> 'ACTIVE' then
        perform app.fail(403, 'EMPLOYEE_INACTIVE', 'This employee is not active.');
    end if;

    v_policy := app.leave_policy_for(p_policy_code);
    perform app.leave_date_arg(p_start_date, 'start_date');
    perform app.leave_date_arg(p_end_date, 'end_date');
    perform app.leave_arg(p_end_date >= p_start_date, 'end_date', 'must not be before start_date.');
    perform app.leave_arg(length(p_reason) <= 500 or p_reason is null, 'reason', 'at most 500 characters.');
    if extract(year from p_start_date) <> extract(year from p_end_date) then
        perform app.fail(422, 'LEAVE_SPANS_YEARS', 'A leave stays within one leave year; request the days after 31 December separately.');
    end if;
    if p_end_date - p_start_date + 1 > v_policy.max_consecutive_days then
        perform app.fail(
            422, 'LEAVE_TOO_LONG', format('%s allows at most %s consecutive days.', v_policy.name, v_policy.max_consecutive_days),
            jsonb_build_object('max_consecutive_days', v_policy.max_consecutive_days)
        );
    end if;
    if p_start_date < app.ist_date(now()) - v_policy.backdate_days and app.current_app_role() <> 'hr_admin' then
        perform app.fail(
            422, 'LEAVE_BACKDATE_LIMIT_EXCEEDED',
            format('%s can be requested at most %s days back.', v_policy.name, v_policy.backdate_days),
            jsonb_build_object('backdate_days', v_policy.backdate_days)
        );
    end if;
    perform app.leave_arg(
        v_policy.unit = 'HALF_DAY' or not (v_half_start or v_half_end), 'half_day_start',
        format('%s is taken in full days only.', v_policy.name)
    );
    perform app.leave_arg(
        not (p_start_date = p_end_date and v_half_start and v_half_end), 'half_day_end',
        'a one-day leave is either the first half (half_day_end) or the second half (half_day_start).'
    );

    v_days := app.leave_counted_days(v_target, v_policy, p_start_date, p_end_date, v_half_start, v_half_end);
    if v_days <= 0 then
        perform app.fail(422, 'LEAVE_NO_WORKING_DAYS', 'Every day of this range is a week-off or a holiday.');
    end if;

    perform app.leave_lock(v_target);
    v_year := extract(year from p_start_date)::integer;
    if not v_policy.allow_negative then
        v_available := app.leave_balance(v_target, v_policy.code, v_year)
            - app.leave_pending_days(v_target, v_policy.code, v_year);
        if v_available < v_days then
            perform app.fail(
                409, 'LEAVE_BALANCE_INSUFFICIENT',
                format('%s days requested, %s available.', v_days, greatest(v_available, 0)),
                jsonb_build_object('policy_code', v_policy.code, 'available', v_available, 'requested', v_days)
            );
        end if;
    end if;

    begin
        insert into app.leave_requests (
            employee_id, policy_code, start_date, end_date, half_day_start, half_day_end, days, reason,
            requested_by
        ) values (
            v_target, v_policy.code, p_start_date, p_end_date, v_half_start, v_half_end, v_days, p_reason,
            app.current_actor()
        )
        returning * into v_request;
    exception when exclusion_violation then
        perform app.fail(409, 'LEAVE_OVERLAP', 'This leave overlaps a pending or approved leave of the same employee.');
    end;
    return app.leave_request_json(v_request);
end
$$;
grant execute on function app.request_leave(text, date, date, boolean, boolean, text, uuid)
to employee, approver, hr_admin;

-- Approvers decide for their chain, hr_admin for anyone, nobody for themself.
create or replace function app.leave_require_decider(p_request app.leave_requests) returns void
language plpgsql stable
as $$
begin
    perform app.require_decider(p_request.employee_id, p_request.status::text, 'LEAVE', 'leave');
end
$$;

-- The calendar outbox message for one request, in the caller's transaction.
create or replace function app.leave_enqueue_calendar(p_request app.leave_requests, p_action text) returns void
language plpgsql volatile
as $$
begin
    perform pgmq.send(
        'calendar_sync',
        jsonb_build_object('action', p_action, 'leave_request_id', p_request.id, 'employee_id', p_request.employee_id)
    );
end
$$;

-- The start of every decision: the caller's role, a reason, the request locked.
create or replace function app.leave_open_decision(
    p_roles text[], p_leave_request_id bigint, p_reason text
) returns app.leave_requests
language plpgsql volatile
as $$
begin
    perform app.require_role(p_roles);
    perform app.leave_reason(p_reason);
    return app.leave_request_for_update(p_leave_request_id);
end
$$;

-- A decision on one request: its new status and decider, and the calendar
-- state that goes with it (approved: an event to make; cancelled: one to remove).
create or replace function app.leave_set_status(
    p_before app.leave_requests, p_status text, p_reason text
) returns app.leave_requests
language sql volatile
as $$
    update app.leave_requests as r set
        status = p_status,
        decided_by = app.current_actor(),
        decided_at = now(),
        decision_reason = p_reason,
        calendar_sync_status = case
            when p_status = 'APPROVED' then 'PENDING'
            when p_status = 'CANCELLED' and r.calendar_sync_status in ('PENDING', 'SYNCED', 'FAILED')
                then 'DELETE_PENDING'
            else r.calendar_sync_status
        end
    where r.employee_id = p_before.employee_id and r.id = p_before.id
    returning r.*
$$;

-- The ledger row of an approval (CONSUMPTION) or of cancelling approved leave
-- (REVERSAL), and the leave's days re-derived, in the caller's transaction.
create or replace function app.leave_book(p_request app.leave_requests, p_entry_type text, p_reason text)
returns void
language plpgsql volatile
as $$
begin
    insert into app.leave_ledger (
        employee_id, policy_code, entry_type, days, effective_date, leave_request_id, reason, created_by
    ) values (
        p_request.employee_id, p_request.policy_code, p_entry_type,
        case when p_entry_type = 'CONSUMPTION' then -p_request.days else p_request.days end,
        p_request.start_date, p_request.id, p_reason, app.current_actor()
    );
    perform app.leave_refresh_days(p_request.employee_id, p_request.start_date, p_request.end_date);
end
$$;

-- Every decision is audited with its reason and answers the request as it is now.
create or replace function app.leave_decided(
    p_action text, p_before app.leave_requests, p_after app.leave_requests, p_reason text
) returns jsonb
language plpgsql volatile
as $$
begin
    perform app.audit(
        p_action, 'leave_requests', p_after.id::text, p_after.employee_id, p_reason,
        app.leave_request_json(p_before), app.leave_request_json(p_after)
    );
    return app.leave_request_json(p_after);
end
$$;

create or replace function app.approve_leave(p_leave_request_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.leave_requests;
    v_after app.leave_requests;
    v_policy app.leave_policies;
    v_balance numeric;
begin
    v_before := app.leave_open_decision(array['approver', 'hr_admin'], p_leave_request_id, p_reason);
    perform app.leave_require_decider(v_before);
    select * into v_policy from app.leave_policies as p where p.code = v_before.policy_code;
    v_balance := app.leave_balance(v_before.employee_id, v_before.policy_code, extract(year from v_before.start_date)::integer);
    if not v_policy.allow_negative and v_balance < v_before.days then
        perform app.fail(
            409, 'LEAVE_BALANCE_INSUFFICIENT', format('%s days requested, %s left.', v_before.days, greatest(v_balance, 0)),
            jsonb_build_object('policy_code', v_policy.code, 'available', v_balance, 'requested', v_before.days)
        );
    end if;
    v_after := app.leave_set_status(v_before, 'APPROVED', p_reason);
    perform app.leave_book(v_after, 'CONSUMPTION', p_reason);
    perform app.leave_enqueue_calendar(v_after, 'create');
    return app.leave_decided('LEAVE_APPROVE', v_before, v_after, p_reason);
end
$$;
grant execute on function app.approve_leave(bigint, text) to approver, hr_admin;

create or replace function app.reject_leave(p_leave_request_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.leave_requests;
    v_after app.leave_requests;
begin
    v_before := app.leave_open_decision(array['approver', 'hr_admin'], p_leave_request_id, p_reason);
    perform app.leave_require_decider(v_before);
    v_after := app.leave_set_status(v_before, 'REJECTED', p_reason);
    return app.leave_decided('LEAVE_REJECT', v_before, v_after, p_reason);
end
$$;
grant execute on function app.reject_leave(bigint, text) to approver, hr_admin;

-- The employee cancels their own leave before it starts; hr_admin any leave, any time.
create or replace function app.cancel_leave(p_leave_request_id bigint, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.leave_requests;
    v_after app.leave_requests;
    v_admin boolean := app.current_app_role() = 'hr_admin';
begin
    v_before := app.leave_open_decision(array['employee', 'approver', 'hr_admin'], p_leave_request_id, p_reason);
    if not v_admin and v_before.employee_id is distinct from app.current_employee_id() then
        perform app.fail(403, 'FORBIDDEN', 'You can cancel only your own leave.');
    end if;
    if v_before.status not in ('PENDING', 'APPROVED') then
        perform app.fail(409, 'LEAVE_NOT_CANCELLABLE', format('This request is %s.', v_before.status));
    end if;
    if not v_admin and v_before.status = 'APPROVED' and v_before.start_date <= app.ist_date(now()) then
        perform app.fail(409, 'LEAVE_ALREADY_STARTED', 'An approved leave that has started is cancelled by hr_admin.');
    end if;
    v_after := app.leave_set_status(v_before, 'CANCELLED', p_reason);
    if v_before.status = 'APPROVED' then
        perform app.leave_book(v_after, 'REVERSAL', p_reason);
        if v_after.calendar_sync_status = 'DELETE_PENDING' then
            perform app.leave_enqueue_calendar(v_after, 'delete');
        end if;
    end if;
    return app.leave_decided('LEAVE_CANCEL', v_before, v_after, p_reason);
end
$$;
grant execute on function app.cancel_leave(bigint, text) to employee, approver, hr_admin;
