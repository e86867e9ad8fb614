-- Hardening (issue 10): bounds on everything a caller or an import can store.
--
-- * every text column gets a length bound (named <table>_<column>_length, so
--   app.invalid_argument_from_constraint() can name the field in a 422);
-- * jsonb columns get a size bound, timestamps and dates a sane absolute window
--   (finite, not year 1900 or 9999); the relative window around now is checked
--   by the writing functions;
-- * at most one live outbox message per event: a unique index on the queue.
--
-- Constraints are added NOT VALID and then validated: a database upgraded with
-- legacy rows outside a bound keeps running (the rows stay readable, new rows
-- are held to the bound) and says so in a NOTICE.

alter table app.employees
add constraint employees_keka_id_length check (length(keka_id) <= 64) not valid,
add constraint employees_employee_number_length check (length(employee_number) <= 64) not valid,
add constraint employees_attendance_number_length check (length(attendance_number) <= 64) not valid,
add constraint employees_email_length check (length(email) <= 254) not valid,
add constraint employees_full_name_length check (length(full_name) <= 200) not valid,
add constraint employees_slack_user_id_length check (length(slack_user_id) <= 64) not valid,
add constraint employees_badge_id_length check (length(badge_id) <= 64) not valid,
add constraint employees_department_length check (length(department) <= 200) not valid,
add constraint employees_designation_length check (length(designation) <= 200) not valid,
add constraint employees_location_length check (length(location) <= 200) not valid,
add constraint employees_shift_config_size check (octet_length(shift_config::text) <= 4096) not valid,
add constraint employees_raw_keka_profile_size check (octet_length(raw_keka_profile::text) <= 65536) not valid,
add constraint employees_date_of_joining_window check (
    date_of_joining between '1950-01-01' and '2100-01-01'
) not valid,
add constraint employees_exit_date_window check (exit_date between '1950-01-01' and '2100-01-01') not valid;

alter table app.settings
add constraint settings_key_length check (length(key) <= 64) not valid,
add constraint settings_description_length check (length(description) <= 1000) not valid,
add constraint settings_value_size check (octet_length(value::text) <= 4096) not valid;

alter table app.attendance_events
add constraint attendance_events_occurred_at_window check (
    occurred_at >= '2000-01-01 00:00:00+00' and occurred_at < '2100-01-01 00:00:00+00'
) not valid,
add constraint attendance_events_request_hash_length check (length(request_hash) <= 64) not valid,
add constraint attendance_events_created_by_length check (length(created_by) <= 320) not valid,
add constraint attendance_events_last_sync_error_length check (length(last_sync_error) <= 2000) not valid,
add constraint attendance_events_keka_ref_length check (length(keka_ref) <= 200) not valid,
add constraint attendance_events_payload_size check (octet_length(payload::text) <= 32768) not valid;

alter table app.day_unlocks
add constraint day_unlocks_reason_length check (length(reason) <= 1000) not valid,
add constraint day_unlocks_lock_reason_length check (length(lock_reason) <= 64) not valid,
add constraint day_unlocks_unlocked_by_length check (length(unlocked_by) <= 320) not valid;

alter table app.audit_logs
add constraint audit_logs_actor_slack_id_length check (length(actor_slack_id) <= 320) not valid,
add constraint audit_logs_actor_role_length check (length(actor_role) <= 64) not valid,
add constraint audit_logs_action_length check (length(action) <= 64) not valid,
add constraint audit_logs_entity_length check (length(entity) <= 64) not valid,
add constraint audit_logs_entity_id_length check (length(entity_id) <= 12000) not valid,
add constraint audit_logs_reason_length check (length(reason) <= 1000) not valid,
add constraint audit_logs_request_id_length check (length(request_id) <= 200) not valid;

alter table app.keka_tokens
add constraint keka_tokens_name_length check (length(name) <= 64) not valid,
add constraint keka_tokens_access_token_length check (length(access_token) <= 16384) not valid;

do $$
declare
    c record;
begin
    for c in
        select con.conrelid::regclass as tbl, con.conname
        from pg_catalog.pg_constraint as con
        where con.connamespace = 'app'::regnamespace and not con.convalidated and con.contype = 'c'
        order by 1, 2
    loop
        begin
            execute format('alter table %s validate constraint %I', c.tbl, c.conname);
        exception when check_violation then
            raise notice 'legacy rows of % break %: the bound holds for new rows only', c.tbl, c.conname;
        end;
    end loop;
end
$$;

-- The admins' window for add_event (days back from now; ahead only the clock skew).
insert into app.settings (key, value, description) values
('admin_backdate_days', '366', 'How far back an hr_admin may date an added event')
on conflict (key) do nothing;

-- At most one live outbox message per event: keep the oldest of any duplicates
-- (delivery is at least once, the survivor covers the event), then enforce it.
delete from pgmq.q_keka_sync as m
using pgmq.q_keka_sync as older
where (older.message ->> 'event_id')::bigint = (m.message ->> 'event_id')::bigint
    and older.msg_id < m.msg_id;
drop index if exists pgmq.keka_sync_event_idx;
create unique index keka_sync_one_live_message_idx on pgmq.q_keka_sync (((message ->> 'event_id')::bigint));

-- The kiosk's event_type is text now (a wrong one is a 422 naming it, not a
-- cast error); the repeatable SQL re-creates app.kiosk_punch with it.
drop function if exists app.kiosk_punch(text, app.event_type, text);
