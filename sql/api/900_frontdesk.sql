-- The front desk's HTTP surface (issue 15): kiosk devices and their keys,
-- kiosk_login (anon), badges, badge scans (kiosk), the presence board and
-- the security alerts. Thin: each is one call of its app function
-- (sql/functions/900_kiosk_devices.sql … 930_presence.sql).

create or replace function api.register_kiosk_device(
    name text, location text, site text default 'main', department text default null,
    purpose text default 'attendance'
) returns jsonb
language sql volatile
as $$
    select app.register_kiosk_device(name, location, site, department, purpose)
$$;
comment on function api.register_kiosk_device(text, text, text, text, text) is
'hr_admin: register a badge reader. The answer carries its API key ("key"), shown this once; only its hash is kept. '
'purpose: attendance (default: a scan toggles IN/OUT) or event (a training-room reader: scans are recorded for '
'the event report and never punch).';
grant execute on function api.register_kiosk_device(text, text, text, text, text) to hr_admin;

create or replace function api.set_kiosk_device_purpose(device_id uuid, purpose text, reason text) returns jsonb
language sql volatile
as $$
    select app.set_kiosk_device_purpose(device_id, purpose, reason)
$$;
comment on function api.set_kiosk_device_purpose(uuid, text, text) is
'hr_admin: make a reader an attendance reader (scans punch) or an event reader (scans recorded, no punch); audited.';
grant execute on function api.set_kiosk_device_purpose(uuid, text, text) to hr_admin;

create or replace function api.rotate_kiosk_key(device_id uuid, reason text) returns jsonb
language sql volatile
as $$
    select app.rotate_kiosk_key(device_id, reason)
$$;
comment on function api.rotate_kiosk_key(uuid, text) is
'hr_admin: a new API key for the device (shown once); the old key and the tokens minted with it stop working.';
grant execute on function api.rotate_kiosk_key(uuid, text) to hr_admin;

create or replace function api.revoke_kiosk_device(device_id uuid, reason text) returns jsonb
language sql volatile
as $$
    select app.revoke_kiosk_device(device_id, reason)
$$;
comment on function api.revoke_kiosk_device(uuid, text) is
'hr_admin: revoke a device: its key no longer logs in and its tokens get 403 KIOSK_REVOKED.';
grant execute on function api.revoke_kiosk_device(uuid, text) to hr_admin;

create or replace function api.kiosk_devices() returns jsonb
language sql stable
as $$
    select app.kiosk_devices_list()
$$;
comment on function api.kiosk_devices() is
'hr_admin: the registered devices (never their keys), last_seen_at included.';
grant execute on function api.kiosk_devices() to hr_admin;

create or replace function api.kiosk_login(key text) returns jsonb
language sql volatile
as $$
    select app.kiosk_login(key)
$$;
comment on function api.kiosk_login(text) is
'anon: exchange a kiosk API key for a short-lived kiosk JWT {"token", "kiosk_id", "expires_at"}. '
'401 INVALID_KIOSK_KEY, 403 KIOSK_REVOKED, 429 RATE_LIMITED after too many failures in a minute.';
grant execute on function api.kiosk_login(text) to anon;

create or replace function api.badge_scan(badge_code text) returns jsonb
language sql volatile
as $$
    select app.badge_scan(badge_code)
$$;
comment on function api.badge_scan(text) is
'kiosk: a badge scan toggles the holder IN or OUT; at an event reader (purpose event) it is recorded as EVENT and '
'never punches; a repeat within badge_double_scan_seconds is IGNORED_DUPLICATE; an unknown, lost, revoked or unheld '
'badge or an inactive holder is refused (403) with a security alert; a punch the rules refuse (409 '
'ALREADY_CLOCKED_IN, ...) answers that 409 and the scan is kept as REFUSED.';
grant execute on function api.badge_scan(text) to kiosk;

create or replace function api.assign_badge(badge_code text, employee_id uuid) returns jsonb
language sql volatile
as $$
    select app.assign_badge(badge_code, employee_id)
$$;
comment on function api.assign_badge(text, uuid) is
'hr_admin: give a badge (registered on first use) to an employee; their previous badge ends (REASSIGNED).';
grant execute on function api.assign_badge(text, uuid) to hr_admin;

create or replace function api.return_badge(badge_code text, reason text) returns jsonb
language sql volatile
as $$
    select app.end_badge(badge_code, 'RETURNED', reason)
$$;
comment on function api.return_badge(text, text) is
'hr_admin: the holder gave the badge back; it can be assigned again.';
grant execute on function api.return_badge(text, text) to hr_admin;

create or replace function api.report_badge_lost(badge_code text, reason text) returns jsonb
language sql volatile
as $$
    select app.end_badge(badge_code, 'LOST', reason)
$$;
comment on function api.report_badge_lost(text, text) is
'hr_admin: the badge is lost: its holding ends and every later scan is refused with a LOST_BADGE alert.';
grant execute on function api.report_badge_lost(text, text) to hr_admin;

create or replace function api.revoke_badge(badge_code text, reason text) returns jsonb
language sql volatile
as $$
    select app.end_badge(badge_code, 'REVOKED', reason)
$$;
comment on function api.revoke_badge(text, text) is
'hr_admin: revoke the badge: its holding ends and every later scan is refused with a REVOKED_BADGE alert.';
grant execute on function api.revoke_badge(text, text) to hr_admin;

create or replace function api.badge_history(badge_code text) returns jsonb
language sql stable
as $$
    select app.badge_history(badge_code)
$$;
comment on function api.badge_history(text) is 'hr_admin: a badge, its status and every holder with dates.';
grant execute on function api.badge_history(text) to hr_admin;

create or replace function api.presence(
    department text default null, page integer default 1, page_size integer default 100
) returns jsonb
language sql stable
as $$
    select app.presence(department, page, page_size)
$$;
comment on function api.presence(text, integer, integer) is
'Who is on site now: counts (on_site, by_status, by_department) and one page of rows (name, department, status, '
'since, reader location), page_size 1-500. hr_admin: everyone; approver: their chain. Changes: NOTIFY presence.';
grant execute on function api.presence(text, integer, integer) to approver, hr_admin;

create or replace function api.security_alerts(open_only boolean default true, "limit" integer default 100)
returns jsonb
language sql stable
as $$
    select app.security_alerts_list(open_only, "limit")
$$;
comment on function api.security_alerts(boolean, integer) is
'hr_admin: the latest security alerts (refused scans), open ones only by default. New ones: NOTIFY security_alerts.';
grant execute on function api.security_alerts(boolean, integer) to hr_admin;

create or replace function api.acknowledge_alert(alert_id bigint, note text default null) returns jsonb
language sql volatile
as $$
    select app.acknowledge_alert(alert_id, note)
$$;
comment on function api.acknowledge_alert(bigint, text) is 'hr_admin: acknowledge a security alert (once; audited).';
grant execute on function api.acknowledge_alert(bigint, text) to hr_admin;
