-- Issue 15 follow-ups (desk3): a reader's purpose, and scans the punch refused.
--
-- kiosk_devices.purpose: 'attendance' (a scan toggles the holder IN/OUT, as
-- before) or 'event' (a training-room reader: the scan is recorded as outcome
-- EVENT, with the badge's security checks, and never punches). Set at
-- registration (app.register_kiosk_device gains p_purpose: the old signature
-- is dropped here so no overload is left) and by hr_admin later.
--
-- badge_scans.outcome gains EVENT. A scan the punch's own rules refused
-- (ALREADY_CLOCKED_IN, PERIOD_LOCKED, ...) is now kept as outcome REFUSED with
-- the code in `refusal` (already allowed by the constraints).
-- See sql/schema/900_kiosk_devices.sql and 910_badges.sql.
alter table app.kiosk_devices add column purpose text not null default 'attendance';
alter table app.kiosk_devices add constraint kiosk_devices_purpose_known check (purpose in ('attendance', 'event'));

alter table app.badge_scans drop constraint badge_scans_outcome_known;
alter table app.badge_scans add constraint badge_scans_outcome_known check (
    outcome in ('IN', 'OUT', 'IGNORED_DUPLICATE', 'REFUSED', 'EVENT')
);

drop function if exists app.register_kiosk_device(text, text, text, text);
