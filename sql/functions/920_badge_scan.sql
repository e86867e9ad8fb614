-- A badge scan at a reader (issue 15): the kiosk names the badge; the
-- database decides. Under the badge's lock (app.lock_badge), so two readers
-- firing at once are serialised and the second sees the first:
--   * a scan of the same badge within badge_double_scan_seconds at the same
--     device is IGNORED_DUPLICATE and answers what the first scan answered
--     (idempotent: one punch);
--   * within that window at another device it is REFUSED with a
--     BADGE_ON_TWO_DEVICES alert (one card cannot be at two doors at once);
--   * an unknown, lost, revoked or unheld badge, or an inactive holder, is
--     REFUSED with a security alert;
--   * at an 'event' reader (kiosk_devices.purpose, a training room) the scan
--     is recorded as outcome EVENT after those checks and never punches: the
--     event report reads it; the holder's day is untouched;
--   * otherwise it toggles the holder's day: OFF_DUTY -> CLOCK_IN, ON_SHIFT ->
--     CLOCK_OUT, ON_BREAK -> BREAK_END, ON_LUNCH -> LUNCH_END (coming back in),
--     recorded through app.record_punch (source kiosk) like every live punch;
--   * a punch its own rules refuse (409: ALREADY_CLOCKED_IN, PERIOD_LOCKED, ...)
--     is caught in a subtransaction (only the punch's writes are undone) and
--     the scan is kept as REFUSED with that code, no security alert.
-- Refusals commit (the scan row and the alert are the point): the answer is a
-- body with response.status (403 for a security refusal, the punch's 409),
-- not an exception.

drop function if exists app.scan_refusal(uuid, text, app.badges, uuid, text, text);
create or replace function app.scan_refusal(
    p_device_id uuid, p_code text, p_badge_id bigint, p_employee_id uuid, p_kind text, p_detail text
) returns jsonb
language plpgsql volatile
as $$
declare
    v_scan_id bigint;
begin
    insert into app.badge_scans (device_id, badge_code, badge_id, employee_id, outcome, refusal)
    values (p_device_id, p_code, p_badge_id, p_employee_id, 'REFUSED', p_kind)
    returning id into v_scan_id;
    insert into app.security_alerts (kind, badge_code, device_id, scan_id, detail)
    values (p_kind, p_code, p_device_id, v_scan_id, p_detail);
    return app.error_response(403, p_kind, p_detail) || jsonb_build_object('scan_id', v_scan_id);
end
$$;

-- Who may use a badge presented at a reader now, or why nobody may: the one
-- rule of badge_scan and kiosk_punch. refusal (a security alert's kind, with
-- its sentence) is null when the badge is ACTIVE and held now by an ACTIVE
-- employee; holder_id is set when the badge is held (also by an inactive
-- employee: the alert names them).
create or replace function app.badge_holder(
    p_code text,
    out holder_badge_id bigint,
    out holder_id uuid,
    out holder_name text,
    out refusal text,
    out detail text
)
language plpgsql stable
as $$
declare
    v_badge app.badges;
    v_employee app.employees;
begin
    select * into v_badge from app.badges as b where b.code = p_code;
    holder_badge_id := v_badge.id;
    if v_badge.id is null then
        refusal := 'UNKNOWN_BADGE';
        detail := 'No badge has this code.';
        return;
    end if;
    if v_badge.status <> 'ACTIVE' then
        refusal := v_badge.status || '_BADGE';
        detail := format('This badge is %s.', lower(v_badge.status));
        return;
    end if;
    select e.* into v_employee
    from app.badge_assignments as a
    inner join app.employees as e on a.employee_id = e.id
    where a.badge_id = v_badge.id and a.during @> now();
    if v_employee.id is null then
        refusal := 'UNASSIGNED_BADGE';
        detail := 'Nobody holds this badge.';
        return;
    end if;
    holder_id := v_employee.id;
    holder_name := v_employee.full_name;
    if v_employee.employment_status <> 'ACTIVE' then
        refusal := 'INACTIVE_EMPLOYEE';
        detail := 'The badge holder is not an active employee.';
    end if;
end
$$;

-- The HTTP status a refused scan answered: 403 for a security alert's kind
-- (the one list, app.security_alert_kinds), 409 for a punch rule's code (a
-- double-fire of a refused scan answers the same).
create or replace function app.scan_refusal_status(p_refusal text) returns integer
language sql stable
as $$
    select case when exists (select 1 from app.security_alert_kinds as k where k.kind = p_refusal) then 403 else 409 end
$$;

-- The event running at a reader now (its scan window), for the answer of an
-- EVENT scan; null when none.
create or replace function app.running_event_json(p_device_id uuid) returns jsonb
language sql stable
as $$
    select jsonb_build_object('id', ev.id, 'title', ev.title, 'kind', ev.kind)
    from app.events as ev
    where ev.device_id = p_device_id
        -- an event lasts at most 24 hours and opens at most 240 minutes early: an index range
        and ev.starts_at between now() - interval '24 hours' and now() + interval '240 minutes'
        and now() between ev.starts_at - make_interval(mins => ev.early_minutes) and ev.ends_at
    order by ev.starts_at, ev.id
    limit 1
$$;

create or replace function app.badge_scan(p_badge_code text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_device_id uuid;
    v_holder record;
    v_last app.badge_scans;
    v_employee_id uuid;
    v_state app.day_status;
    v_type app.event_type;
    v_result jsonb;
    v_scan_id bigint;
    v_device app.kiosk_devices;
    v_code text;
    v_detail text;
begin
    perform app.require_role(array['kiosk']);
    -- the kiosk rules hold here too, not only in the pre-request (app.check_kiosk_device)
    v_device := app.require_kiosk_device();
    v_device_id := v_device.id;
    perform app.require_badge_code(p_badge_code);
    perform app.lock_badge(p_badge_code);

    select * into v_last from app.badge_scans as s
    where s.badge_code = p_badge_code
        and s.scanned_at > now() - make_interval(secs => app.setting_int('badge_double_scan_seconds', 10, 0, 3600))
    -- this reader's own scan in the window first: its double-fire is a duplicate, not a second device
    order by s.device_id = v_device_id desc, s.scanned_at desc, s.id desc
    limit 1;
    if found and v_last.device_id = v_device_id then
        insert into app.badge_scans (device_id, badge_code, badge_id, employee_id, outcome, duplicate_of)
        values (
            v_device_id, p_badge_code, v_last.badge_id, v_last.employee_id, 'IGNORED_DUPLICATE',
            coalesce(v_last.duplicate_of, v_last.id)
        )
        returning id into v_scan_id;
        select * into v_last from app.badge_scans as s where s.id = coalesce(v_last.duplicate_of, v_last.id);
        if v_last.outcome = 'REFUSED' then
            return app.error_response(app.scan_refusal_status(v_last.refusal), v_last.refusal, 'The first scan was refused.')
                || jsonb_build_object('scan_id', v_scan_id, 'duplicate_of', v_last.id);
        end if;
        return jsonb_build_object(
            'scan_id', v_scan_id, 'outcome', 'IGNORED_DUPLICATE', 'duplicate_of', v_last.id,
            'first_outcome', v_last.outcome,
            'name', (select e.full_name from app.employees as e where e.id = v_last.employee_id),
            'state', (select ds.current_status from app.daily_status as ds
                where ds.employee_id = v_last.employee_id order by ds.business_date_ist desc limit 1)
        );
    end if;

    select * into v_holder from app.badge_holder(p_badge_code) as h;
    if v_last.id is not null then
        return app.scan_refusal(v_device_id, p_badge_code, v_holder.holder_badge_id, v_last.employee_id,
            'BADGE_ON_TWO_DEVICES', 'This badge was scanned at another reader moments ago.');
    end if;
    if v_holder.refusal is not null then
        return app.scan_refusal(v_device_id, p_badge_code, v_holder.holder_badge_id, v_holder.holder_id,
            v_holder.refusal, v_holder.detail);
    end if;
    v_employee_id := v_holder.holder_id;

    if v_device.purpose = 'event' then
        insert into app.badge_scans (device_id, badge_code, badge_id, employee_id, outcome)
        values (v_device_id, p_badge_code, v_holder.holder_badge_id, v_employee_id, 'EVENT')
        returning id into v_scan_id;
        return jsonb_build_object(
            'scan_id', v_scan_id, 'outcome', 'EVENT', 'name', v_holder.holder_name,
            'event', app.running_event_json(v_device_id)
        );
    end if;

    select ds.current_status into v_state from app.daily_status as ds
    where ds.employee_id = v_employee_id order by ds.business_date_ist desc limit 1;
    v_type := case coalesce(v_state, 'OFF_DUTY')
        when 'ON_SHIFT' then 'CLOCK_OUT' when 'ON_BREAK' then 'BREAK_END' when 'ON_LUNCH' then 'LUNCH_END'
        else 'CLOCK_IN'
    end;
    begin
        v_result := app.record_punch(
            v_employee_id, v_type, null, null, 'kiosk', 'badge ' || p_badge_code || ' at kiosk ' || v_device_id, null,
            false
        );
    exception when sqlstate 'PT409' then
        get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
        insert into app.badge_scans (device_id, badge_code, badge_id, employee_id, outcome, refusal)
        values (v_device_id, p_badge_code, v_holder.holder_badge_id, v_employee_id, 'REFUSED', left(v_code, 64))
        returning id into v_scan_id;
        return app.error_response(409, v_code, v_detail) || jsonb_build_object(
            'scan_id', v_scan_id, 'event_type', v_type, 'name', v_holder.holder_name
        );
    end;
    insert into app.badge_scans (device_id, badge_code, badge_id, employee_id, outcome, event_id)
    values (
        v_device_id, p_badge_code, v_holder.holder_badge_id, v_employee_id,
        case when v_type = 'CLOCK_OUT' then 'OUT' else 'IN' end, (v_result -> 'event' ->> 'id')::bigint
    )
    returning id into v_scan_id;
    return jsonb_build_object(
        'scan_id', v_scan_id, 'outcome', case when v_type = 'CLOCK_OUT' then 'OUT' else 'IN' end,
        'event_type', v_type, 'event_id', (v_result -> 'event' ->> 'id')::bigint,
        'name', v_holder.holder_name, 'state', v_result -> 'daily_status' ->> 'current_status'
    );
end
$$;
comment on function app.badge_scan(text) is
'kiosk: a badge scan toggles the holder IN/OUT (an event reader records it, no punch); double scans are ignored; '
'refused scans are kept (security refusals raise an alert; the punch''s own 409 refusals do not).';
grant execute on function app.badge_scan(text) to kiosk;
