-- Front desk constraints, second pass (issue 15).
--
-- A badge holding ended in the transaction that began it (assign, then
-- return, in one script or test) has no instant in effect: its range is
-- empty, which the exclusion constraints ignore, instead of a zero-length
-- range the checks refused. See sql/schema/910_badges.sql.
alter table app.badge_assignments drop constraint badge_assignments_during_valid;
alter table app.badge_assignments add constraint badge_assignments_during_valid check (
    (not isempty(during) and not lower_inf(during)) or (isempty(during) and end_reason is not null)
);
alter table app.badge_assignments drop constraint badge_assignments_end_complete;
alter table app.badge_assignments add constraint badge_assignments_end_complete check (
    (upper(during) is null and not isempty(during)) = (end_reason is null)
    and (end_reason is null) = (ended_by is null)
);

-- the bounds test reads length(...) in every text column's check
alter table app.kiosk_devices drop constraint kiosk_devices_key_hash_format;
alter table app.kiosk_devices add constraint kiosk_devices_key_hash_format check (
    length(key_hash) = 64 and key_hash ~ '^[0-9a-f]{64}$'
);
alter table app.kiosk_devices drop constraint kiosk_devices_key_prefix_format;
alter table app.kiosk_devices add constraint kiosk_devices_key_prefix_format check (
    length(key_prefix) = 12 and key_prefix ~ '^[0-9a-f]{12}$'
);
alter table app.badges drop constraint badges_code_format;
alter table app.badges add constraint badges_code_format check (
    length(code) <= 64 and code ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'
);
