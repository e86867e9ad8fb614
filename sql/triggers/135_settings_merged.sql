-- app.settings_merged (sql/schema/115_settings_merged.sql) follows every write
-- of app.settings, in the writing transaction:
--   settings  _900_merge  (statement, AFTER INSERT/UPDATE/DELETE/TRUNCATE)
-- One statement re-merges the whole (small) table, so any mix of writes leaves
-- the one row equal to jsonb_object_agg over the settings.
-- app.merge_settings is SECURITY DEFINER: whoever may write a setting keeps the
-- merged copy without any right on it.

-- The whole merge, and the live punch's part of it (its keys: app.live_policy_keys,
-- sql/functions/020_policy.sql).
create or replace function app.merge_settings() returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- merges one at a time, each reading the settings after the lock: without
    -- it, a writer that waited for another's merged row upserted what it read
    -- before waiting (ON CONFLICT keeps the values it computed), losing the
    -- other's change (under READ COMMITTED the INSERT below takes a new
    -- snapshot once this lock is granted)
    perform 1 from app.settings_merged as m where m.id for update;
    insert into app.settings_merged as m (id, value, live)
    select
        true,
        coalesce(jsonb_object_agg(s.key, s.value), '{}'),
        coalesce(jsonb_object_agg(s.key, s.value) filter (where s.key = any(app.live_policy_keys())), '{}')
    from app.settings as s
    on conflict (id) do update set value = excluded.value, live = excluded.live;
end
$$;

create or replace function app.tg_settings__merge() returns trigger
language plpgsql volatile
as $$
begin
    perform app.merge_settings();
    return null;
end
$$;

create or replace trigger _900_merge
after insert or update or delete or truncate on app.settings
for each statement execute function app.tg_settings__merge();

-- (migration 0161's comment named a function folded since into app.policy_of)
comment on column app.settings_merged.live is
'The settings the live punch reads (app.live_policy_keys()), merged: app.policy_of(employee_id, true).';

-- Re-merged whenever this SQL is applied (a changed key list, a new database
-- built from sql/schema).
select app.merge_settings();
