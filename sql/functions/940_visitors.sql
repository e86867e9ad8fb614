-- Visitors (issue 15 part 4): sign-in at the desk (hr_admin) or a kiosk, the
-- host's notice on the notification outbox in the same transaction, sign-out,
-- the end-of-day flag and the retention purge. Every write is audited; the
-- NOTIFY on channel `visitors` is a trigger (sql/triggers/940_visitors.sql).

-- How long a visitor's personal data is kept (days from sign-in). Definer:
-- app.setting_int (the settings) is the owner's.
create or replace function app.visitor_retention() returns interval
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select make_interval(days => app.setting_int('visitor_retention_days', 30, 1, 3650))
$$;
grant execute on function app.visitor_retention() to employee, approver, hr_admin;

-- Still signed in at the end of the day: signed in on an earlier IST date, or
-- today and the IST clock has passed visitor_day_end ("HH:MM", default 19:00).
create or replace function app.visitor_overstayed(p_signed_in_at timestamptz, p_signed_out_at timestamptz)
returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select p_signed_out_at is null and (
        app.ist_date(p_signed_in_at) < app.ist_date(now())
        or app.ist_wall_clock(now())::time >= coalesce(
            (
                select (s.value #>> '{}')::time from app.settings as s
                where s.key = 'visitor_day_end' and (s.value #>> '{}') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
            ),
            time '19:00'
        )
    )
$$;
grant execute on function app.visitor_overstayed(timestamptz, timestamptz) to employee, approver, hr_admin;

-- The one mask of a visitor's personal data: name, company, purpose and
-- badge_code are served only within visitor_retention_days of sign-in (also
-- before the purge job has run); past it they read as null. Every reader goes
-- through it: api.visitors and the answers (app.visitor_json).
create or replace function app.visitor_masked(p_visitor app.visitors) returns app.visitors
language sql stable
as $$
    select case
        when p_visitor.signed_in_at >= now() - app.visitor_retention() then p_visitor
        else jsonb_populate_record(
            p_visitor, '{"name": null, "company": null, "purpose": null, "badge_code": null}'
        )
    end
$$;
grant execute on function app.visitor_masked(app.visitors) to employee, approver, hr_admin;

-- The visitor as the API answers it (masked: app.visitor_masked).
create or replace function app.visitor_json(p_visitor app.visitors) returns jsonb
language sql stable
as $$
    select jsonb_build_object(
        'id', m.id,
        'site', m.site,
        'host_employee_id', m.host_employee_id,
        'signed_in_at', m.signed_in_at,
        'signed_out_at', m.signed_out_at,
        'name', m.name,
        'company', m.company,
        'purpose', m.purpose,
        'badge_code', m.badge_code
    )
    from app.visitor_masked(p_visitor) as m
$$;

-- The site of the kiosk making this request (its registered device's), or
-- null for other roles; a kiosk token that names no registered device is
-- refused (the pre-request check refuses it first on the HTTP path).
create or replace function app.caller_kiosk_site() returns text
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if app.current_app_role() <> 'kiosk' then
        return null;
    end if;
    return (app.require_kiosk_device()).site;
end
$$;

create or replace function app.visitor_sign_in(
    p_name text,
    p_host_employee_id uuid,
    p_company text default null,
    p_purpose text default null,
    p_badge_code text default null,
    p_site text default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_site text := coalesce(nullif(btrim(p_site), ''), 'main');
    v_host app.employees;
    v_visitor app.visitors;
begin
    perform app.require_role(array['hr_admin', 'kiosk']);
    -- a kiosk signs visitors in at its own site, whatever it sends
    v_site := coalesce(app.caller_kiosk_site(), v_site);
    perform app.require_text('name', p_name, 200);
    perform app.require_max_length('company', p_company, 200);
    perform app.require_max_length('purpose', p_purpose, 500);
    perform app.require_max_length('badge_code', p_badge_code, 64);
    perform app.require_text('site', v_site, 64);
    select * into v_host from app.employees as e where e.id = p_host_employee_id;
    if not found then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.', '{"field": "host_employee_id"}');
    end if;
    if v_host.employment_status <> 'ACTIVE' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'The host must be an active employee.', '{"field": "host_employee_id"}'
        );
    end if;
    begin
        insert into app.visitors (site, name, company, purpose, host_employee_id, badge_code, signed_in_by)
        values (
            v_site, btrim(p_name), nullif(btrim(p_company), ''), nullif(btrim(p_purpose), ''),
            p_host_employee_id, nullif(btrim(p_badge_code), ''), app.current_actor()
        )
        returning * into v_visitor;
    exception when unique_violation then
        perform app.fail(
            409, 'BADGE_IN_USE', 'This temporary badge is held by a visitor who has not signed out.',
            '{"field": "badge_code"}'
        );
    end;
    perform app.enqueue_notification(
        p_host_employee_id,
        'VISITOR_ARRIVED',
        format(
            'Your visitor %s%s has signed in at %s.', v_visitor.name,
            coalesce(' (' || v_visitor.company || ')', ''), v_visitor.site
        ),
        jsonb_build_object('visitor_id', v_visitor.id, 'site', v_visitor.site),
        'visitor_arrived:' || v_visitor.id
    );
    -- no personal data in the append-only audit trail: the purge could not remove it
    perform app.audit(
        'VISITOR_SIGN_IN', 'visitors', v_visitor.id::text, p_host_employee_id, null, null,
        jsonb_build_object('id', v_visitor.id, 'site', v_visitor.site, 'signed_in_at', v_visitor.signed_in_at)
    );
    return app.visitor_json(v_visitor);
end
$$;
grant execute on function app.visitor_sign_in(text, uuid, text, text, text, text) to hr_admin, kiosk;

create or replace function app.visitor_sign_out(p_visitor_id bigint) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.visitors;
    v_after app.visitors;
begin
    perform app.require_role(array['hr_admin', 'kiosk']);
    select * into v_before from app.visitors as v
    where v.id = p_visitor_id and v.site = coalesce(app.caller_kiosk_site(), v.site)  -- a kiosk: its site only
    for update;
    if not found then
        perform app.fail(404, 'VISITOR_NOT_FOUND', 'No visitor has this id.');
    end if;
    if v_before.signed_out_at is not null then
        perform app.fail(
            409, 'VISITOR_ALREADY_SIGNED_OUT', 'This visitor has already signed out.',
            jsonb_build_object('signed_out_at', v_before.signed_out_at)
        );
    end if;
    update app.visitors as v
    set signed_out_at = greatest(now(), v.signed_in_at), signed_out_by = app.current_actor()
    where v.id = p_visitor_id
    returning * into v_after;
    perform app.audit(
        'VISITOR_SIGN_OUT', 'visitors', p_visitor_id::text, v_after.host_employee_id, null,
        jsonb_build_object('signed_out_at', v_before.signed_out_at),
        jsonb_build_object('signed_out_at', v_after.signed_out_at, 'signed_out_by', v_after.signed_out_by)
    );
    return app.visitor_json(v_after);
end
$$;
grant execute on function app.visitor_sign_out(bigint) to hr_admin, kiosk;

-- The retention purge (the worker's periodic job, worker/visitors.py): every
-- visitor signed in longer ago than visitor_retention_days loses name,
-- company, purpose and badge code (and the host's notices naming them, arrival
-- and overstay, leave the notification queue and its archives), in batches of at most p_limit rows, with
-- one audit row per batch (ids and count, no personal data). Idempotent: a
-- purged row is never selected again.
create or replace function app.purge_visitors_v1(p_limit integer default 5000) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_ids bigint[];
    v_table text;
    v_cutoff timestamptz := now() - app.visitor_retention();
begin
    perform app.require_range('limit', p_limit, 1, 100000);
    with due as (
        select v.id from app.visitors as v
        where v.purged_at is null and v.signed_in_at < v_cutoff
        order by v.signed_in_at
        limit p_limit
        for update skip locked
    ),
    purged as (
        update app.visitors as v
        set name = null, company = null, purpose = null, badge_code = null, purged_at = now()
        from due where v.id = due.id
        returning v.id
    )
    select coalesce(array_agg(purged.id order by purged.id), '{}') into v_ids from purged;
    -- the host's notice named the visitor: drop it from the outbox and its archives too
    -- (only when something was purged: the archives only grow, and this scans them)
    if cardinality(v_ids) > 0 then
        foreach v_table in array array['q_notifications', 'a_notifications', 'q_notifications_dlq', 'a_notifications_dlq']
        loop
            execute format(
                'delete from pgmq.%I as m where m.message ->> ''kind'' in (''VISITOR_ARRIVED'', ''VISITOR_OVERSTAYED'')'
                ' and (m.message #>> ''{context,visitor_id}'')::bigint = any($1)',
                v_table
            ) using v_ids;
        end loop;
        perform app.audit(
            'VISITOR_PURGE', 'visitors', null, null, 'visitor_retention_days', null,
            jsonb_build_object('visitor_ids', to_jsonb(v_ids), 'count', cardinality(v_ids), 'cutoff', v_cutoff)
        );
    end if;
    return jsonb_build_object('purged', cardinality(v_ids), 'cutoff', v_cutoff);
end
$$;
comment on function app.purge_visitors_v1(integer) is
'Null the personal data of visitors past visitor_retention_days (one batch), audited VISITOR_PURGE.';
grant execute on function app.purge_visitors_v1(integer) to hithonix_worker;

-- The host's notice when a visitor overstays (the worker's periodic job,
-- worker/visitors/jobs.py): every visitor still signed in after the expected
-- end of the visit (app.visitor_overstayed: visitor_day_end of the sign-in
-- day, or an earlier day) and not yet announced gets one VISITOR_OVERSTAYED
-- notice to their host on the notification outbox, like the arrival notice,
-- and is marked (overstay_notified_at) so it is announced once, in batches of
-- at most p_limit, with one audit row per batch (ids only). A visitor past
-- retention is not named (app.visitor_masked).
create or replace function app.notify_visitor_overstays_v1(p_limit integer default 1000) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_visitor app.visitors;
    v_ids bigint[] := '{}';
begin
    perform app.require_range('limit', p_limit, 1, 100000);
    for v_visitor in
        select (app.visitor_masked(v)).*
        from app.visitors as v
        where v.signed_out_at is null and v.overstay_notified_at is null
            and app.visitor_overstayed(v.signed_in_at, v.signed_out_at)
        order by v.signed_in_at, v.id
        limit p_limit
        for update of v skip locked
    loop
        perform app.enqueue_notification(
            v_visitor.host_employee_id,
            'VISITOR_OVERSTAYED',
            format(
                'Your visitor %s%s is still signed in at %s after the end of the visit; '
                'please see them out or ask the desk to sign them out.',
                coalesce(v_visitor.name, 'signed in on ' || app.ist_date(v_visitor.signed_in_at)),
                coalesce(' (' || v_visitor.company || ')', ''), v_visitor.site
            ),
            jsonb_build_object('visitor_id', v_visitor.id, 'site', v_visitor.site),
            'visitor_overstayed:' || v_visitor.id
        );
        update app.visitors as v set overstay_notified_at = now() where v.id = v_visitor.id;
        v_ids := v_ids || v_visitor.id;
    end loop;
    if cardinality(v_ids) > 0 then
        perform app.audit(
            'VISITOR_OVERSTAY_NOTICE', 'visitors', null, null, 'visitor_day_end', null,
            jsonb_build_object('visitor_ids', to_jsonb(v_ids), 'count', cardinality(v_ids))
        );
    end if;
    return jsonb_build_object('notified', cardinality(v_ids));
end
$$;
comment on function app.notify_visitor_overstays_v1(integer) is
'Queue one VISITOR_OVERSTAYED notice to the host of each visitor still in after the day''s end (one batch), once.';
grant execute on function app.notify_visitor_overstays_v1(integer) to hithonix_worker;
