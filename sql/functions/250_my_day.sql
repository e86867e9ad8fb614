-- The caller's own day and the punches they may make next (issue 16: the Slack
-- home tab shows exactly those buttons). The next actions are not a copy of
-- the state machine: each of the six live punches is tried for real, through
-- the same app.record_punch every client's punch goes through, inside a
-- subtransaction that is always rolled back. What the ledger's rules accept is
-- offered; what they refuse comes back with the refusal's code and sentence.
-- Nothing is kept: no event, no day row, no outbox message (ids the trial
-- drew from the ledger's sequence are skipped, as after any failed insert).

-- One trial punch: null when the rules accept it, else {code, message}.
create or replace function app.try_punch(p_employee_id uuid, p_event_type app.event_type) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_code text;
    v_message text;
begin
    begin
        perform app.record_punch(p_employee_id, p_event_type, null, null, 'api', null, null, false);
        raise exception using errcode = 'HX001', message = 'TRIAL_ROLLED_BACK';
    exception
        when sqlstate 'HX001' then
            return null;
        when others then
            get stacked diagnostics v_code = message_text, v_message = pg_exception_detail;
            return jsonb_build_object('code', v_code, 'message', coalesce(nullif(v_message, ''), v_code));
    end;
end
$$;
comment on function app.try_punch(uuid, app.event_type) is
'Would this live punch be accepted now? null if so, else {code, message}; never keeps anything.';

create or replace function app.my_day() returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_employee_id uuid := app.current_employee_id();
    v_day app.daily_status;
    v_type app.event_type;
    v_refusal jsonb;
    v_next text[] := '{}';
    v_refused jsonb := '{}';
begin
    perform app.require_role(array['employee', 'approver', 'hr_admin']);
    if v_employee_id is null then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'This call needs a token that names an employee.');
    end if;
    -- the day that owns the employee's state: an open shift's day, else today's (IST)
    select * into v_day
    from app.daily_status as ds
    where ds.employee_id = v_employee_id
        and (
            ds.business_date_ist = app.ist_date(now())
            or (ds.business_date_ist = app.ist_date(now()) - 1 and ds.current_status <> 'OFF_DUTY')
        )
    order by (ds.current_status <> 'OFF_DUTY') desc, ds.business_date_ist desc
    limit 1;
    foreach v_type in array array['CLOCK_IN', 'BREAK_START', 'BREAK_END', 'LUNCH_START', 'LUNCH_END', 'CLOCK_OUT']
        ::app.event_type[] loop
        v_refusal := app.try_punch(v_employee_id, v_type);
        if v_refusal is null then
            v_next := array_append(v_next, v_type::text);
        else
            v_refused := v_refused || jsonb_build_object(v_type::text, v_refusal);
        end if;
    end loop;
    return jsonb_build_object(
        'business_date_ist', coalesce(v_day.business_date_ist, app.ist_date(now())),
        'current_status', case
            when v_day.leave_portion = 'FULL_DAY' and v_day.event_count = 0 then 'ON_LEAVE'
            else coalesce(v_day.current_status::text, 'OFF_DUTY')
        end,
        'first_clock_in', v_day.first_clock_in,
        'last_clock_out', v_day.last_clock_out,
        'worked_minutes', coalesce(v_day.worked_minutes, 0),
        'break_minutes_used', coalesce(v_day.break_minutes_used, 0),
        'lunch_minutes', coalesce(v_day.lunch_minutes, 0),
        'anomalies', to_jsonb(coalesce(
            app.with_missing_clock_out(
                v_day.anomalies, v_day.current_status, v_day.first_clock_in, app.max_shift_interval()
            ),
            '{}'
        )),
        'is_locked', coalesce(v_day.is_locked, false),
        'lock_reason', v_day.lock_reason,
        'lock_reason_text', app.lock_reason_text(v_day.lock_reason),
        'leave_portion', v_day.leave_portion,
        'next_actions', to_jsonb(v_next),
        'refused', v_refused
    );
end
$$;
comment on function app.my_day() is
'The caller''s current day (today, or yesterday while its shift is open) and the punches the rules accept next.';
grant execute on function app.my_day() to employee, approver, hr_admin;
