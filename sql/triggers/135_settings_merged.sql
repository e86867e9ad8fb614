-- app.settings_merged (sql/schema/115_settings_merged.sql) follows every write
-- of app.settings, in the writing transaction:
--   settings  _900_merge  (statement, AFTER INSERT/UPDATE/DELETE/TRUNCATE)
-- One statement re-merges the whole (small) table, so any mix of writes leaves
-- the one row equal to jsonb_object_agg over the settings.
-- SECURITY DEFINER: whoever may write a setting keeps the merged copy without
-- any right on it.

create or replace function app.tg_settings__merge() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into app.settings_merged as m (id, value)
    select true, coalesce(jsonb_object_agg(s.key, s.value), '{}') from app.settings as s
    on conflict (id) do update set value = excluded.value;
    return null;
end
$$;

create or replace trigger _900_merge
after insert or update or delete or truncate on app.settings
for each statement execute function app.tg_settings__merge();
