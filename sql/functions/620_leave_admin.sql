-- hr_admin's leave maintenance, each audited with a reason: policies, the
-- holiday calendar, and manual balance adjustments (ADJUSTMENT ledger rows).
-- A table constraint that refuses a value becomes 422 INVALID_ARGUMENT naming
-- the field (constraint names are <table>_<field>_<rule>).

create or replace function app.leave_constraint_field(p_constraint text, p_table text) returns text
language sql immutable
as $$
    select regexp_replace(
        regexp_replace(p_constraint, '^' || p_table || '_', ''), '_(length|range|format|known|present)$', ''
    )
$$;

create or replace function app.upsert_leave_policy(
    p_code text,
    p_name text,
    p_reason text,
    p_unit text default null,
    p_is_paid boolean default null,
    p_yearly_entitlement numeric default null,
    p_accrual text default null,
    p_carry_forward_cap numeric default null,
    p_carry_forward_expiry_months integer default null,
    p_max_consecutive_days integer default null,
    p_backdate_days integer default null,
    p_allow_negative boolean default null,
    p_count_non_working_days boolean default null,
    p_is_active boolean default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.leave_policies;
    v_after app.leave_policies;
    v_constraint text;
    v_column text;
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_reason(p_reason);
    perform app.leave_arg(p_code is not null, 'code', 'is required.');
    select * into v_before from app.leave_policies as p where p.code = p_code for update;
    begin
        insert into app.leave_policies as p (
            code, name, unit, is_paid, yearly_entitlement, accrual, carry_forward_cap, carry_forward_expiry_months,
            max_consecutive_days, backdate_days, allow_negative, count_non_working_days, is_active
        ) values (
            p_code, coalesce(p_name, v_before.name), coalesce(p_unit, 'HALF_DAY'), coalesce(p_is_paid, true),
            coalesce(p_yearly_entitlement, 0), coalesce(p_accrual, 'NONE'), coalesce(p_carry_forward_cap, 0),
            p_carry_forward_expiry_months, coalesce(p_max_consecutive_days, 30), coalesce(p_backdate_days, 7),
            coalesce(p_allow_negative, false), coalesce(p_count_non_working_days, false), coalesce(p_is_active, true)
        )
        on conflict (code) do update set
            name = coalesce(p_name, p.name),
            unit = coalesce(p_unit, p.unit),
            is_paid = coalesce(p_is_paid, p.is_paid),
            yearly_entitlement = coalesce(p_yearly_entitlement, p.yearly_entitlement),
            accrual = coalesce(p_accrual, p.accrual),
            carry_forward_cap = coalesce(p_carry_forward_cap, p.carry_forward_cap),
            carry_forward_expiry_months = coalesce(p_carry_forward_expiry_months, p.carry_forward_expiry_months),
            max_consecutive_days = coalesce(p_max_consecutive_days, p.max_consecutive_days),
            backdate_days = coalesce(p_backdate_days, p.backdate_days),
            allow_negative = coalesce(p_allow_negative, p.allow_negative),
            count_non_working_days = coalesce(p_count_non_working_days, p.count_non_working_days),
            is_active = coalesce(p_is_active, p.is_active),
            updated_at = now()
        returning * into v_after;
    exception when check_violation or not_null_violation then
        get stacked diagnostics v_constraint = constraint_name, v_column = column_name;
        perform app.leave_arg(
            false, coalesce(app.leave_constraint_field(nullif(v_constraint, ''), 'leave_policies'), v_column),
            'value refused by the policy rules.'
        );
    end;
    perform app.audit(
        'LEAVE_POLICY_UPSERT', 'leave_policies', v_after.code, null, p_reason, to_jsonb(v_before), to_jsonb(v_after)
    );
    return to_jsonb(v_after);
end
$$;
grant execute on function app.upsert_leave_policy(
    text, text, text, text, boolean, numeric, text, numeric, integer, integer, integer, boolean, boolean, boolean
) to hr_admin;

create or replace function app.upsert_holiday(p_holiday_date date, p_name text, p_location text, p_reason text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.holidays;
    v_after app.holidays;
    v_location text := coalesce(p_location, '*');
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_reason(p_reason);
    perform app.leave_date_arg(p_holiday_date, 'holiday_date');
    perform app.leave_arg(length(btrim(p_name)) between 1 and 100, 'name', '1 to 100 characters.');
    perform app.leave_arg(length(v_location) between 1 and 100, 'location', '1 to 100 characters.');
    select * into v_before from app.holidays as h
    where h.location = v_location and h.holiday_date = p_holiday_date
    for update;
    insert into app.holidays as h (location, holiday_date, name) values (v_location, p_holiday_date, p_name)
    on conflict (location, holiday_date) do update set name = excluded.name, updated_at = now()
    returning * into v_after;
    perform app.audit(
        'HOLIDAY_UPSERT', 'holidays', v_location || '/' || p_holiday_date::text, null, p_reason,
        to_jsonb(v_before), to_jsonb(v_after)
    );
    return to_jsonb(v_after);
end
$$;
grant execute on function app.upsert_holiday(date, text, text, text) to hr_admin;

create or replace function app.delete_holiday(p_holiday_date date, p_location text, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.holidays;
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_reason(p_reason);
    delete from app.holidays as h
    where h.location = coalesce(p_location, '*') and h.holiday_date = p_holiday_date
    returning * into v_before;
    if not found then
        perform app.fail(404, 'HOLIDAY_NOT_FOUND', 'No holiday on that date for that location.');
    end if;
    perform app.audit(
        'HOLIDAY_DELETE', 'holidays', v_before.location || '/' || v_before.holiday_date::text, null, p_reason,
        to_jsonb(v_before), null
    );
    return to_jsonb(v_before);
end
$$;
grant execute on function app.delete_holiday(date, text, text) to hr_admin;

-- A manual correction of a balance (comp-off granted, a migration from another
-- system, a mistake): one ADJUSTMENT row, never an edit.
create or replace function app.adjust_leave_balance(
    p_employee_id uuid, p_policy_code text, p_days numeric, p_reason text, p_effective_date date default null
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_policy app.leave_policies;
    v_date date := coalesce(p_effective_date, app.ist_date(now()));
    v_row app.leave_ledger;
begin
    perform app.require_role(array['hr_admin']);
    perform app.leave_reason(p_reason);
    if not exists (select 1 from app.employees as e where e.id = p_employee_id) then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No employee has this id.');
    end if;
    v_policy := app.leave_policy_for(p_policy_code);
    perform app.leave_arg(
        p_days <> 0 and abs(p_days) <= 366 and p_days = round(p_days, 2), 'days',
        'a non-zero number of days up to 366, at most two decimals.'
    );
    perform app.leave_date_arg(v_date, 'effective_date');
    perform app.leave_lock(p_employee_id);
    insert into app.leave_ledger (employee_id, policy_code, entry_type, days, effective_date, reason, created_by)
    values (p_employee_id, v_policy.code, 'ADJUSTMENT', p_days, v_date, p_reason, app.current_actor())
    returning * into v_row;
    perform app.audit(
        'LEAVE_ADJUST', 'leave_ledger', v_row.id::text, p_employee_id, p_reason, null, to_jsonb(v_row)
    );
    return to_jsonb(v_row);
end
$$;
grant execute on function app.adjust_leave_balance(uuid, text, numeric, text, date) to hr_admin;
