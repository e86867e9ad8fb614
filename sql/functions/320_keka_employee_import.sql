-- Employee import from Keka: the worker fetches every page, these apply them.
-- One run is one transaction, but one odd profile does not sink it: each
-- record is applied whole or not at all (a subtransaction), and a record that
-- cannot be stored is skipped and reported in keka_employee_imports
-- (skipped_count, errors: [{keka_id, employee_number, reason}]). Whole, not
-- field by field, so an employee row never mixes two versions of a profile;
-- the next import retries it once Keka's data is fixed. Keka's shapes: email
-- may be null (kept as it was for a known employee; a new one cannot be
-- created without one), jobTitle is an object {identifier, title} (stored as
-- the title), employmentStatus is numeric (1 = relieved; names accepted too).
create or replace function app.start_employee_import_v1() returns bigint
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    insert into app.keka_employee_imports default values returning id
$$;
grant execute on function app.start_employee_import_v1() to hithonix_worker;

create or replace function app.fail_employee_import_v1(p_run_id bigint, p_pages integer, p_error text)
returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update app.keka_employee_imports set
        status = 'FAILED', finished_at = now(), pages = p_pages,
        errors = errors || jsonb_build_array(left(p_error, 2000))
    where id = p_run_id
$$;
grant execute on function app.fail_employee_import_v1(bigint, integer, text) to hithonix_worker;

-- The fields we store, from one Keka profile.
create or replace function app.keka_profile_fields(p_profile jsonb) returns table (
    keka_id text, employee_number text, attendance_number text, email text, full_name text,
    designation text, date_of_joining date, exit_date date, relieved boolean, manager_keka_id text
)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
    select
        nullif(p_profile ->> 'id', ''),
        nullif(p_profile ->> 'employeeNumber', ''),
        nullif(p_profile ->> 'attendanceNumber', ''),
        lower(nullif(p_profile ->> 'email', '')),
        coalesce(
            nullif(p_profile ->> 'displayName', ''),
            nullif(btrim(concat_ws(' ', p_profile ->> 'firstName', p_profile ->> 'lastName')), '')
        ),
        case jsonb_typeof(p_profile -> 'jobTitle')
            when 'object' then nullif(p_profile -> 'jobTitle' ->> 'title', '')
            when 'string' then nullif(p_profile ->> 'jobTitle', '')
        end,
        left(nullif(p_profile ->> 'joiningDate', ''), 10)::date,
        left(nullif(p_profile ->> 'exitDate', ''), 10)::date,
        coalesce(p_profile ->> 'employmentStatus' in ('1', 'Relieved'), false),
        p_profile -> 'reportsTo' ->> 'id'
$$;

create or replace function app.apply_employee_import_v1(p_run_id bigint, p_employees jsonb, p_pages integer)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, public, pg_temp
as $$
declare
    v_profile jsonb;
    r record;
    v_old app.employees;
    v_new app.employees;
    v_counted uuid[] := '{}';
    v_created integer := 0;
    v_updated integer := 0;
    v_deactivated integer := 0;
    v_unchanged integer := 0;
    v_skipped integer := 0;
    v_reasons jsonb := '[]';
    v_manager uuid;
    v_fixed uuid;
begin
    perform pg_advisory_xact_lock(hashtextextended('hithonix.employee_import', 0));
    for v_profile in
        select e from jsonb_array_elements(p_employees) as e order by e ->> 'id'
    loop
        begin
            if jsonb_typeof(v_profile) is distinct from 'object' then
                raise exception using errcode = '22023', message = 'profile is not an object';
            end if;
            select * into r from app.keka_profile_fields(v_profile);
            if r.keka_id is null then
                raise exception using errcode = '22023', message = 'profile has no id';
            end if;
            select m.id into v_manager from app.employees as m where m.keka_id = r.manager_keka_id;
            select * into v_old from app.employees as x
            where x.keka_id = r.keka_id or (x.keka_id is null and x.email = r.email::citext)
            order by x.keka_id nulls last
            limit 1
            for update;
            if not found then
                if r.email is null then
                    raise exception using errcode = '23502',
                        message = 'email is null: a new employee cannot be created without one';
                end if;
                insert into app.employees (
                    keka_id, employee_number, attendance_number, email, full_name, designation,
                    date_of_joining, exit_date, employment_status, manager_employee_id, raw_keka_profile
                ) values (
                    r.keka_id, r.employee_number, r.attendance_number, r.email, r.full_name, r.designation,
                    r.date_of_joining, r.exit_date,
                    case when r.relieved then 'RELIEVED' else 'ACTIVE' end::app.employment_status,
                    v_manager, v_profile
                )
                returning * into v_new;
                v_created := v_created + 1;
                v_counted := v_counted || v_new.id;
                continue;
            end if;
            update app.employees as x set
                keka_id = r.keka_id,
                employee_number = r.employee_number,
                attendance_number = r.attendance_number,
                email = coalesce(r.email::citext, x.email),
                full_name = r.full_name,
                designation = r.designation,
                date_of_joining = r.date_of_joining,
                exit_date = r.exit_date,
                employment_status = case
                    when r.relieved then 'RELIEVED'
                    when x.employment_status = 'RELIEVED' then 'ACTIVE'
                    else x.employment_status
                end::app.employment_status,
                manager_employee_id = coalesce(v_manager, x.manager_employee_id),
                raw_keka_profile = v_profile
            where x.id = v_old.id
                and (x.keka_id, x.employee_number, x.attendance_number, x.email::text, x.full_name,
                     x.designation, x.date_of_joining, x.exit_date, x.employment_status = 'RELIEVED',
                     coalesce(v_manager, x.manager_employee_id), x.raw_keka_profile)
                is distinct from
                    (r.keka_id, r.employee_number, r.attendance_number, coalesce(r.email, x.email::text),
                     r.full_name, r.designation, r.date_of_joining, r.exit_date, r.relieved,
                     x.manager_employee_id, v_profile)
            returning * into v_new;
            if not found then
                v_unchanged := v_unchanged + 1;
            elsif v_new.employment_status = 'RELIEVED' and v_old.employment_status <> 'RELIEVED' then
                v_deactivated := v_deactivated + 1;
            else
                v_updated := v_updated + 1;
            end if;
            v_counted := v_counted || v_old.id;
        exception when others then
            v_skipped := v_skipped + 1;
            if jsonb_array_length(v_reasons) < 100 then
                v_reasons := v_reasons || jsonb_build_object(
                    'keka_id', left(v_profile ->> 'id', 64),
                    'employee_number', left(v_profile ->> 'employeeNumber', 64),
                    'reason', left(format('%s (%s)', sqlerrm, sqlstate), 300)
                );
            end if;
        end;
    end loop;

    -- managers created later in this run (one subtransaction each: a refused
    -- manager link, e.g. a cycle, leaves that employee's manager as it was)
    for r in
        select x.id as employee_id, m.id as manager_id
        from jsonb_array_elements(p_employees) as e
        inner join app.employees as x on x.keka_id = e ->> 'id'
        inner join app.employees as m on m.keka_id = e -> 'reportsTo' ->> 'id'
        where jsonb_typeof(e) = 'object' and x.manager_employee_id is distinct from m.id
    loop
        begin
            update app.employees as x set manager_employee_id = r.manager_id
            where x.id = r.employee_id
            returning x.id into v_fixed;
            if not v_fixed = any(v_counted) then
                v_updated := v_updated + 1;
            end if;
        exception when others then
            v_skipped := v_skipped + 1;
            v_reasons := v_reasons || jsonb_build_object(
                'employee_id', r.employee_id, 'reason', left(format('manager: %s (%s)', sqlerrm, sqlstate), 300)
            );
        end;
    end loop;

    update app.keka_employee_imports set
        status = 'SUCCEEDED', finished_at = now(), pages = p_pages,
        fetched = jsonb_array_length(p_employees),
        created_count = v_created, updated_count = v_updated,
        deactivated_count = v_deactivated, unchanged_count = v_unchanged,
        skipped_count = v_skipped, errors = v_reasons
    where id = p_run_id;
    return jsonb_build_object(
        'created', v_created, 'updated', v_updated, 'deactivated', v_deactivated,
        'unchanged', v_unchanged, 'skipped', v_skipped, 'fetched', jsonb_array_length(p_employees)
    );
end
$$;
grant execute on function app.apply_employee_import_v1(bigint, jsonb, integer) to hithonix_worker;
