-- Policy lookup: the settings table, overridden per employee by shift_config.

-- Invoker rights: it runs inside the owner's trigger and definer functions, and
-- for hr_admin's anomaly report (hr_admin may read settings). PL/pgSQL rather
-- than SQL because the hot callers are PL/pgSQL, which keeps its plans cached;
-- a SQL function called from there is planned again on every call.
--
-- The settings come merged already (app.settings_merged, kept by a trigger on
-- app.settings): one primary-key read joined with the employee's row, not an
-- aggregate over every setting. p_live_only: only the keys the live punch
-- reads (app.live_policy_keys(): the merge copies nine settings, not all of
-- them). Without the merged row, which the repeatable SQL always writes, the
-- aggregate (all keys).
-- THE rule of an employee's policy: the merged settings (all of them, or
-- only the live punch's keys), then the employee's shift_config over them.
-- No row without the merged settings row (callers fall back to
-- app.policy_of, which aggregates app.settings). Set-returning SQL, so it
-- inlines into the statement that reads the employee (app.record_punch,
-- app.apply_live_punch): no call of its own on the punch path.
create or replace function app.merged_policy(p_shift_config jsonb, p_live_only boolean) returns setof jsonb
language sql stable
as $$
    select case when p_live_only then m.live else m.value end || coalesce(p_shift_config, '{}')
    from app.settings_merged as m
    where m.id
$$;
comment on function app.merged_policy(jsonb, boolean) is
'The merged settings (p_live_only: the live punch''s keys) with an employee''s shift_config over them; '
'no row without app.settings_merged.';

create or replace function app.policy_of(p_employee_id uuid, p_live_only boolean) returns jsonb
language plpgsql stable
as $$
begin
    return coalesce(
        (
            select p.policy
            from app.merged_policy(
                (select e.shift_config from app.employees as e where e.id = p_employee_id), p_live_only
            ) as p (policy)
        ),
        coalesce((select jsonb_object_agg(s.key, s.value) from app.settings as s), '{}')
        || coalesce((select e.shift_config from app.employees as e where e.id = p_employee_id), '{}')
    );
end
$$;
comment on function app.policy_of(uuid, boolean) is
'Effective policy for one employee; p_live_only: only the keys the live punch reads (app.live_policy_keys()).';
grant execute on function app.policy_of(uuid, boolean) to hr_admin;

create or replace function app.policy(p_employee_id uuid) returns jsonb
language plpgsql stable
as $$
begin
    return app.policy_of(p_employee_id, false);
end
$$;
comment on function app.policy(uuid) is 'Effective policy for one employee (settings + shift_config).';
grant execute on function app.policy(uuid) to hr_admin;

-- The settings the live punch reads (app.record_punch, app.apply_live_punch,
-- app.require_punch_window, app.step_day) through app.policy_of(id, true): a
-- pgTAP test (041_settings_merged) fails when one of those reads a key that is
-- not listed here.
create or replace function app.live_policy_keys() returns text[]
language sql immutable
as $$
    select array[
        'clock_skew_seconds', 'employee_backdate_minutes', 'max_shift_hours', 'one_clock_in_per_day',
        'general_shift', 'break_allowance_minutes', 'lunch_allowance_minutes', 'gatekeeper_mode', 'shift_type'
    ]
$$;

-- max_shift_hours as an interval, for the read-time MISSING_CLOCK_OUT.
create or replace function app.max_shift_interval() returns interval
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select make_interval(hours => (s.value #>> '{}')::integer)
    from app.settings as s where s.key = 'max_shift_hours'
$$;
grant execute on function app.max_shift_interval() to employee, approver, hr_admin;

-- A setting as an integer clamped to [p_min, p_max] (a bad value cannot
-- disable a limit).
create or replace function app.setting_int(p_key text, p_default integer, p_min integer, p_max integer)
returns integer
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select greatest(p_min, least(p_max, coalesce(
        (select case when jsonb_typeof(s.value) = 'number' and s.value::text ~ '^-?[0-9]{1,9}$'
            then s.value::text::integer end
         from app.settings as s where s.key = p_key),
        p_default
    )))
$$;
comment on function app.setting_int(text, integer, integer, integer) is
'An integer setting, clamped to [p_min, p_max]; p_default when absent or not a whole number.';
