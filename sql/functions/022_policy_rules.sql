-- What a policy value may be (issue 10): one rule per key, shared by the
-- settings table and every employee's shift_config override, so a bad value
-- is refused when it is written and never discovered by a punch or a report.
-- The triggers in sql/triggers/130_policy_validation.sql apply it.

-- A whole JSON number in [p_min, p_max] (readers cast these to integer).
create or replace function app.policy_integer_problem(p_value jsonb, p_min integer, p_max integer) returns text
language sql immutable
as $$
    select case
        when jsonb_typeof(p_value) <> 'number' or p_value::text !~ '^-?[0-9]{1,9}$'
            then format('must be a whole number from %s to %s', p_min, p_max)
        when p_value::text::integer not between p_min and p_max
            then format('must be from %s to %s', p_min, p_max)
    end
$$;

-- "HH:MM", 00:00 to 23:59.
create or replace function app.policy_time_ok(p_value jsonb) returns boolean
language sql immutable
as $$
    select coalesce(jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$', false)
$$;

-- A JSON list of CIDRs (the IP allow-list): null when valid, else what is wrong.
create or replace function app.cidr_list_problem(p_value jsonb) returns text
language plpgsql immutable
as $$
declare
    v_item jsonb;
begin
    if jsonb_typeof(p_value) <> 'array' or jsonb_array_length(p_value) > 100 then
        return 'must be a list of at most 100 CIDRs such as "10.0.0.0/8"';
    end if;
    for v_item in select a.v from jsonb_array_elements(p_value) as a (v) loop
        if jsonb_typeof(v_item) <> 'string' then
            return 'must be a list of CIDR strings';
        end if;
        perform (v_item #>> '{}')::cidr;
    end loop;
    return null;
exception when invalid_text_representation or datatype_mismatch then
    return format('holds %s, which is not a CIDR', v_item);
end
$$;

-- A rate limit: null (no limit) or {"limit": n, "window_seconds": w}.
create or replace function app.rate_limit_problem(p_value jsonb) returns text
language sql immutable
as $$
    select case
        when jsonb_typeof(p_value) = 'null' then null
        when jsonb_typeof(p_value) <> 'object' or (p_value - 'limit' - 'window_seconds') <> '{}'
            or not p_value ? 'limit' or not p_value ? 'window_seconds'
            then 'must be null or {"limit": n, "window_seconds": w}'
        else coalesce(
            'limit ' || app.policy_integer_problem(p_value -> 'limit', 1, 1000000),
            'window_seconds ' || app.policy_integer_problem(p_value -> 'window_seconds', 1, 86400)
        )
    end
$$;

-- Null when p_value is a valid value for p_key; else what is wrong. Keys
-- without a rule here (added by later features) are accepted as they are.
create or replace function app.policy_value_problem(p_key text, p_value jsonb) returns text
language sql immutable
as $$
    select case p_key
        when 'break_allowance_minutes' then app.policy_integer_problem(p_value, 0, 720)
        when 'lunch_allowance_minutes' then app.policy_integer_problem(p_value, 0, 720)
        when 'max_shift_hours' then app.policy_integer_problem(p_value, 1, 24)
        when 'clock_skew_seconds' then app.policy_integer_problem(p_value, 0, 600)
        when 'employee_backdate_minutes' then app.policy_integer_problem(p_value, 0, 527040)
        when 'admin_backdate_days' then app.policy_integer_problem(p_value, 0, 3660)
        when 'keka_sync_max_attempts' then app.policy_integer_problem(p_value, 1, 100)
        when 'rate_limit_imports' then app.rate_limit_problem(p_value)
        when 'rate_limit_exports' then app.rate_limit_problem(p_value)
        when 'rate_limit_admin_writes' then app.rate_limit_problem(p_value)
        when 'ip_allowlist' then app.cidr_list_problem(p_value)
        when 'ip_allowlist_roles' then
            case when jsonb_typeof(p_value) <> 'array' or exists (
                select 1 from jsonb_array_elements(p_value) as r (v)
                where coalesce(r.v #>> '{}', '') not in ('employee', 'approver', 'hr_admin', 'kiosk')
                    or jsonb_typeof(r.v) <> 'string'
            ) then 'must be a list of roles among "employee", "approver", "hr_admin", "kiosk"' end
        when 'trusted_proxies' then app.policy_integer_problem(p_value, 0, 10)
        when 'audit_retention_days' then app.policy_integer_problem(p_value, 1, 36500)
        when 'audit_search_count_max' then app.policy_integer_problem(p_value, 100, 1000000)
        when 'one_clock_in_per_day' then
            case when jsonb_typeof(p_value) <> 'boolean' then 'must be true or false' end
        when 'gatekeeper_mode' then
            case when coalesce(p_value #>> '{}', '') not in ('enforce', 'availability_first', 'off')
                or jsonb_typeof(p_value) <> 'string'
                then 'must be "enforce", "availability_first" or "off"' end
        when 'shift_type' then
            case when coalesce(p_value #>> '{}', '') not in ('GENERAL', 'FLEXIBLE', 'NIGHT')
                or jsonb_typeof(p_value) <> 'string'
                then 'must be "GENERAL", "FLEXIBLE" or "NIGHT"' end
        when 'week_off_days' then
            case when jsonb_typeof(p_value) <> 'array' or jsonb_array_length(p_value) > 6
                or exists (
                    select 1 from jsonb_array_elements(p_value) as d (v)
                    where jsonb_typeof(d.v) <> 'number' or d.v::text !~ '^[1-7]$'
                )
                or (select count(distinct d.v) from jsonb_array_elements(p_value) as d (v))
                <> jsonb_array_length(p_value)
                then 'must be a list of distinct ISO weekdays from 1 (Monday) to 7 (Sunday), at most 6' end
        when 'general_shift' then
            case
                when jsonb_typeof(p_value) <> 'object' or (p_value - 'start' - 'end') <> '{}'
                    or not app.policy_time_ok(p_value -> 'start') or not app.policy_time_ok(p_value -> 'end')
                    then 'must be {"start": "HH:MM", "end": "HH:MM"}'
                when (p_value ->> 'start') >= (p_value ->> 'end') then 'must start before it ends'
            end
    end
$$;

-- Every problem of a set of policy values: [{"key", "problem"}], empty when
-- all are valid. p_known_keys, when given, are the only keys allowed (an
-- override of a setting that does not exist is a typo).
create or replace function app.policy_problems(p_values jsonb, p_known_keys text[] default null) returns jsonb
language sql immutable
as $$
    select coalesce(jsonb_agg(jsonb_build_object('key', v.key, 'problem', v.problem) order by v.key), '[]')
    from (
        select
            kv.key,
            case
                when p_known_keys is not null and not kv.key = any(p_known_keys) then 'is not a policy setting'
                else app.policy_value_problem(kv.key, kv.value)
            end as problem
        from jsonb_each(case when jsonb_typeof(p_values) = 'object' then p_values else '{}' end) as kv
    ) as v
    where v.problem is not null
$$;
comment on function app.policy_problems(jsonb, text[]) is
'Validation of policy values (settings and shift_config overrides): [{key, problem}], empty if valid.';

-- Refuse invalid policy values with 422 INVALID_ARGUMENT naming the field.
create or replace function app.require_valid_policy(p_field text, p_values jsonb, p_known_keys text[] default null)
returns void
language plpgsql immutable
as $$
declare
    v_problems jsonb := app.policy_problems(p_values, p_known_keys);
begin
    if jsonb_typeof(p_values) <> 'object' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s must be a JSON object.', p_field), jsonb_build_object('field', p_field)
        );
    end if;
    if jsonb_array_length(v_problems) > 0 then
        perform app.fail(
            422, 'INVALID_ARGUMENT',
            format('%s.%s %s.', p_field, v_problems -> 0 ->> 'key', v_problems -> 0 ->> 'problem'),
            jsonb_build_object('field', p_field, 'problems', v_problems)
        );
    end if;
end
$$;
grant execute on function app.policy_problems(jsonb, text[]), app.policy_value_problem(text, jsonb),
app.policy_integer_problem(jsonb, integer, integer), app.policy_time_ok(jsonb), app.cidr_list_problem(jsonb),
app.rate_limit_problem(jsonb)
to hr_admin;
