-- Policy values are validated when written (issue 10), by the rules in
-- sql/functions/022_policy_rules.sql: the settings rows, and each employee's
-- shift_config (whose keys must be shift_type or an existing setting).
--   settings   _300_validate_policy   (row, BEFORE INSERT/UPDATE OF value)
--   employees  _300_validate_policy   (row, BEFORE INSERT/UPDATE OF shift_config)

create or replace function app.tg_settings__validate_policy() returns trigger
language plpgsql volatile
as $$
begin
    perform app.require_valid_policy('value', jsonb_build_object(new.key, new.value));
    return new;
end
$$;

create or replace function app.tg_employees__validate_policy() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.require_valid_policy(
        'shift_config', new.shift_config,
        array['shift_type'] || array(select s.key from app.settings as s)
    );
    return new;
end
$$;

create or replace trigger _300_validate_policy
before insert or update of value on app.settings
for each row execute function app.tg_settings__validate_policy();

create or replace trigger _300_validate_policy
before insert or update of shift_config on app.employees
for each row execute function app.tg_employees__validate_policy();
