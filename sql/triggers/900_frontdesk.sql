-- Front desk triggers (issue 15), per table in firing order:
--   badge_scans:       _010_append_only, _011_no_truncate (the readers' log is never rewritten)
--   badge_assignments: _010_close_only (only an open holding's end is written, once), _011_no_truncate
--   security_alerts:   _010_acknowledge_only (only the acknowledgement, once), _011_no_truncate,
--                      _900_notify (NOTIFY security_alerts)
--   daily_status:      _900_notify_presence_insert (NOTIFY presence for a new day; an UPDATE's
--                      when the state changes: _050_period_lock_upd, 730_period_lock.sql)
--   employees:         _900_badge_sync (a write of employees.badge_id assigns or returns)
-- NOTIFY is delivered at commit, in commit order, and never for a rolled-back
-- transaction; payloads are small JSON (ids and states): a gateway reads the
-- rest through the API.

create or replace trigger _010_append_only
before update or delete on app.badge_scans
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.badge_scans
for each statement execute function app.tg_append_only();

create or replace function app.tg_badge_assignments__close_only() returns trigger
language plpgsql volatile
as $$
begin
    if tg_op = 'DELETE' or old.end_reason is not null
        or (new.id, new.employee_id, new.badge_id, new.assigned_by)
        is distinct from (old.id, old.employee_id, old.badge_id, old.assigned_by)
        or (lower(new.during) is distinct from lower(old.during) and not isempty(new.during))
        or new.end_reason is null then
        perform app.fail(
            403, 'APPEND_ONLY', 'A badge holding is never rewritten: only its end is recorded, once.'
        );
    end if;
    return new;
end
$$;

create or replace trigger _010_close_only
before update or delete on app.badge_assignments
for each row execute function app.tg_badge_assignments__close_only();

create or replace trigger _011_no_truncate
before truncate on app.badge_assignments
for each statement execute function app.tg_append_only();

create or replace function app.tg_security_alerts__acknowledge_only() returns trigger
language plpgsql volatile
as $$
begin
    if tg_op = 'DELETE' or old.acknowledged_at is not null
        or (new.id, new.kind, new.badge_code, new.device_id, new.scan_id, new.detail, new.at)
        is distinct from (old.id, old.kind, old.badge_code, old.device_id, old.scan_id, old.detail, old.at) then
        perform app.fail(
            403, 'APPEND_ONLY', 'A security alert is never rewritten: only its acknowledgement is recorded, once.'
        );
    end if;
    return new;
end
$$;

create or replace trigger _010_acknowledge_only
before update or delete on app.security_alerts
for each row execute function app.tg_security_alerts__acknowledge_only();

create or replace trigger _011_no_truncate
before truncate on app.security_alerts
for each statement execute function app.tg_append_only();

create or replace function app.tg_security_alerts__notify() returns trigger
language plpgsql volatile
as $$
begin
    perform pg_catalog.pg_notify('security_alerts', jsonb_build_object(
        'id', new.id, 'kind', new.kind, 'badge_code', new.badge_code, 'device_id', new.device_id, 'at', new.at
    )::text);
    return null;
end
$$;

create or replace trigger _900_notify
after insert on app.security_alerts
for each row execute function app.tg_security_alerts__notify();

-- the payload: app.presence_payload (sql/functions/930_presence.sql)
create or replace function app.tg_daily_status__notify_presence() returns trigger
language plpgsql volatile
as $$
begin
    perform pg_catalog.pg_notify('presence', app.presence_payload(new));
    return null;
end
$$;

-- Only for the days the presence board can show: today's IST date and
-- yesterday's (an open shift is at most max_shift_hours, itself at most 24,
-- old). History written by an import or a correction of an older day is not
-- presence news; the WHEN is plain expression evaluation, so a bulk load of
-- 17,000 past days makes no PL/pgSQL call and queues no notification.
-- The IST date is app.ist_date's expression written out: a SQL function in
-- a WHEN is inlined, its body parsed and planned, on every execution of the
-- statement (each punch's UPDATE of its day).
create or replace trigger _900_notify_presence_insert
after insert on app.daily_status
for each row when (new.business_date_ist >= (now() at time zone 'Asia/Kolkata')::date - 1)
execute function app.tg_daily_status__notify_presence();

-- An UPDATE's notice (the state changed, same dates) is sent by
-- _050_period_lock_upd's function (sql/triggers/730_period_lock.sql), the
-- one row trigger every UPDATE of a day already calls: one PL/pgSQL call per
-- punch instead of two (migration 0199 dropped _900_notify_presence).

create or replace function app.tg_employees__badge_sync() returns trigger
language plpgsql volatile
as $$
begin
    perform app.sync_badge_from_employee(new.id, new.badge_id);
    return null;
end
$$;

create or replace trigger _900_badge_sync_insert
after insert on app.employees
for each row when (new.badge_id is not null)
execute function app.tg_employees__badge_sync();

create or replace trigger _900_badge_sync
after update of badge_id on app.employees
for each row when (old.badge_id is distinct from new.badge_id)
execute function app.tg_employees__badge_sync();
