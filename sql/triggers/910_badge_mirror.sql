-- employees.badge_id follows the badge holdings (review finding, mend3).
--   badge_assignments: _910_badge_mirror (after insert or update, after the
--                      front desk's _010_close_only guard in 900_frontdesk.sql):
--                      the holder's employees.badge_id is set to the code of
--                      their current holding (app.refresh_badge_mirror)
-- The holdings are the truth; the cache follows them for every writer, owner
-- included. One way: writing the cache back to employees fires _900_badge_sync,
-- which sees the write is the mirror's (hithonix.badge_mirror_write, set by
-- app.refresh_badge_mirror) and returns without reading the holdings again.

create or replace function app.tg_badge_assignments__badge_mirror() returns trigger
language plpgsql volatile
as $$
begin
    perform app.refresh_badge_mirror(new.employee_id);
    return null;
end
$$;

create or replace trigger _910_badge_mirror
after insert or update on app.badge_assignments
for each row execute function app.tg_badge_assignments__badge_mirror();
