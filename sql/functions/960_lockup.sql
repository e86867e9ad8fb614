-- Duty roster and the end-of-day lockup (issue 15 part 6).
--
-- app.set_duty: hr_admin names the duty person of a site for a date (audited).
-- app.lockup: hr_admin, or today's duty person of the site, checks out
-- everyone still checked in there, in one transaction: an open break or lunch
-- is closed first, then a CLOCK_OUT, all source 'admin' at the same instant
-- with the reason in the payload, written by app.record_admin_event like
-- app.add_event's: one LOCKUP_CLOSE_BREAK audit row per closed break or lunch,
-- one LOCKUP_CHECKOUT per person and one LOCKUP row. Lockups of one site
-- are serialised (advisory lock) and each person is re-read under their row
-- lock, so two duty people pressing the button at once check nobody out twice;
-- a repeated call finds nobody left and answers with the day's first lockup.
-- A site is one site whatever the case it is typed in (as presence matches
-- it): the duty check, the lock and the repeat lookup compare lower(site).

create or replace function app.set_duty(p_site text, p_duty_date date, p_employee_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.duty_roster;
    v_after app.duty_roster;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_text('site', p_site, 64);
    if p_duty_date is null or p_duty_date not between app.ist_date(now()) - 366 and app.ist_date(now()) + 366 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'duty_date must be within a year of today.', '{"field": "duty_date"}'
        );
    end if;
    if not exists (
        select 1 from app.employees as e where e.id = p_employee_id and e.employment_status = 'ACTIVE'
    ) then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No active employee has this id.', '{"field": "employee_id"}');
    end if;
    select * into v_before
    from app.duty_roster as d
    where lower(d.site) = lower(p_site) and d.duty_date = p_duty_date;
    -- one row per site and date in any case: the site keeps the spelling it was first given
    insert into app.duty_roster (site, duty_date, duty_employee_id, assigned_by)
    values (p_site, p_duty_date, p_employee_id, app.current_actor())
    on conflict ((lower(site)), duty_date) do update
    set duty_employee_id = excluded.duty_employee_id, assigned_by = excluded.assigned_by, assigned_at = now()
    returning * into v_after;
    perform app.audit(
        'SET_DUTY', 'duty_roster', p_site || '/' || p_duty_date::text, p_employee_id, null,
        to_jsonb(v_before), to_jsonb(v_after)
    );
    return to_jsonb(v_after);
end
$$;
grant execute on function app.set_duty(text, date, uuid) to hr_admin;

-- Who is still checked in at a site now: exactly the presence board's rows
-- (app.presence_rows with the same cutoff: each employee's latest open day of
-- today or yesterday, not older than max_shift_hours; one row per person, so
-- nobody is clocked out twice and nobody the board shows as out is clocked
-- out), of an employee whose site is this one: the site of the reader of
-- their latest punching badge scan since the day's first clock-in, else (no
-- scan: web, Slack) their employees.location. Read under no lock: app.lockup
-- re-reads each person after locking them.
create or replace function app.checked_in_at_site(p_site text)
returns table (employee_id uuid, full_name text, business_date date, current_status app.day_status)
language sql stable
as $$
    select p.employee_id, p.full_name, p.business_date_ist, p.status
    from app.presence_rows(null, true, '{}', app.ist_date(now()), app.presence_open_since()) as p
    inner join app.employees as e on p.employee_id = e.id
    left join lateral (
        select d.site
        from app.badge_scans as bs
        inner join app.kiosk_devices as d on bs.device_id = d.id
        where bs.employee_id = p.employee_id and bs.outcome in ('IN', 'OUT') and bs.scanned_at >= p.since
        order by bs.id desc
        limit 1
    ) as scan on true
    where lower(coalesce(scan.site, e.location)) = lower(p_site)
    order by p.employee_id
$$;

create or replace function app.lockup(p_site text, p_reason text, p_dry_run boolean default false)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_today date := app.ist_date(now());
    v_person record;
    v_status app.day_status;
    v_close app.event_type;
    v_event_id bigint;
    v_checked_out jsonb := '[]';
    v_lockup app.lockups;
begin
    perform app.require_role(array['employee', 'approver', 'hr_admin']);
    perform app.require_text('site', p_site, 64);
    if app.current_app_role() <> 'hr_admin' and not exists (
        select 1 from app.duty_roster as d
        where lower(d.site) = lower(p_site) and d.duty_date = v_today and d.duty_employee_id = app.current_employee_id()
    ) then
        perform app.fail(403, 'NOT_ON_DUTY', 'Only hr_admin or today''s duty person of this site can lock it up.');
    end if;
    if p_dry_run then
        return jsonb_build_object(
            'site', p_site, 'business_date', v_today, 'dry_run', true,
            'checked_in', coalesce((select jsonb_agg(to_jsonb(c)) from app.checked_in_at_site(p_site) as c), '[]')
        );
    end if;
    perform app.require_reason(p_reason);
    perform pg_advisory_xact_lock(hashtextextended('app.lockup:' || lower(p_site), 0));
    perform app.lock_employees(array(select c.employee_id from app.checked_in_at_site(p_site) as c));
    -- re-read under the locks: someone may have clocked out (or been locked up) meanwhile
    for v_person in select * from app.checked_in_at_site(p_site) loop
        v_status := v_person.current_status;
        v_close := case v_status when 'ON_BREAK' then 'BREAK_END' when 'ON_LUNCH' then 'LUNCH_END' end;
        if v_close is not null then
            perform app.record_admin_event(
                v_person.employee_id, v_close, now(), p_reason, 'LOCKUP_CLOSE_BREAK',
                jsonb_build_object('lockup_site', p_site),
                jsonb_build_object('current_status', v_status, 'business_date', v_person.business_date)
            );
        end if;
        v_event_id := (app.record_admin_event(
            v_person.employee_id, 'CLOCK_OUT', now(), p_reason, 'LOCKUP_CHECKOUT',
            jsonb_build_object('lockup_site', p_site),
            jsonb_build_object('current_status', v_status, 'business_date', v_person.business_date)
        ) #>> '{event,id}')::bigint;
        v_checked_out := v_checked_out || jsonb_build_array(jsonb_build_object(
            'employee_id', v_person.employee_id, 'full_name', v_person.full_name,
            'status_before', v_status, 'clock_out_event_id', v_event_id
        ));
    end loop;
    if jsonb_array_length(v_checked_out) = 0 then
        -- a repeated lockup: nobody left, nothing written, the day's first lockup answers
        select * into v_lockup from app.lockups as l
        where lower(l.site) = lower(p_site) and l.business_date = v_today
        order by l.id limit 1;
        if found then
            return to_jsonb(v_lockup) || jsonb_build_object('repeated', true, 'checked_out', '[]'::jsonb);
        end if;
    end if;
    insert into app.lockups (site, business_date, reason, executed_by, checked_out)
    values (p_site, v_today, p_reason, app.current_actor(), v_checked_out)
    returning * into v_lockup;
    perform app.audit(
        'LOCKUP', 'lockups', v_lockup.id::text, null, p_reason, null,
        jsonb_build_object('site', p_site, 'checked_out', jsonb_array_length(v_checked_out))
    );
    return to_jsonb(v_lockup) || jsonb_build_object('repeated', false);
end
$$;
comment on function app.lockup(text, text, boolean) is
'Check out everyone still checked in at a site (hr_admin or today''s duty person), audited; repeatable.';
grant execute on function app.lockup(text, text, boolean) to employee, approver, hr_admin;
