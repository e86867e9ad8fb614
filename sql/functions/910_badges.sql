-- The badge lifecycle (issue 15): assign, return, report lost, revoke, and the
-- history, all hr_admin and audited. Every change to one badge first takes
-- the badge's advisory lock (app.lock_badge, also taken by every scan), so a
-- scan never sees half a change; the exclusion constraints on
-- app.badge_assignments are the last word (one holder per badge, one badge per
-- employee at any instant).
--
-- employees.badge_id is a cache: the code of the employee's current holding.
-- The truth is app.badge_assignments, and the cache follows it for every
-- writer (trigger _910_badge_mirror, sql/triggers/910_badge_mirror.sql,
-- app.refresh_badge_mirror). The other way is an input, not a second truth: a
-- write of employees.badge_id (upsert_employee, older tools) is a request to
-- assign or return (trigger _900_badge_sync, app.sync_badge_from_employee),
-- a no-op when the holdings already say so. app.badge_mirror_differences()
-- lists any employee whose cache disagrees (the tests expect none).

create or replace function app.lock_badge(p_code text) returns void
language sql volatile
as $$
    select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('hithonix.badge:' || p_code, 0))
$$;

create or replace function app.require_badge_code(p_code text) returns void
language plpgsql immutable
as $$
begin
    if p_code is null or p_code !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' then
        perform app.fail(
            422, 'INVALID_ARGUMENT',
            'badge_code must be 1 to 64 letters, digits or ._:- (starting with a letter or digit).',
            '{"field": "badge_code"}'
        );
    end if;
end
$$;

-- The badge's current holding (open at now()), if any.
create or replace function app.current_assignment(p_badge_id bigint) returns app.badge_assignments
language sql stable
as $$
    select a.* from app.badge_assignments as a
    where a.badge_id = p_badge_id and a.during @> now()
$$;

-- The current badge code of an employee: their holding open at now(), if any.
create or replace function app.current_badge_code(p_employee_id uuid) returns text
language sql stable
as $$
    select b.code
    from app.badge_assignments as a
    inner join app.badges as b on a.badge_id = b.id
    where a.employee_id = p_employee_id and a.during @> now()
$$;

-- The cache follows the holdings (trigger _910_badge_mirror): employees.badge_id
-- set to the current code, written only when it differs. One way: the write is
-- marked (hithonix.badge_mirror_write) so that the employees trigger it fires
-- (_900_badge_sync) does not take the holdings' own copy for a request and
-- read them back.
create or replace function app.refresh_badge_mirror(p_employee_id uuid) returns void
language plpgsql volatile
as $$
declare
    v_code text := app.current_badge_code(p_employee_id);
begin
    perform set_config('hithonix.badge_mirror_write', 'on', true);
    update app.employees as e set badge_id = v_code
    where e.id = p_employee_id and e.badge_id is distinct from v_code;
    perform set_config('hithonix.badge_mirror_write', 'off', true);
end
$$;

-- Employees whose cached badge_id is not the code of their current holding.
create or replace function app.badge_mirror_differences()
returns table (employee_id uuid, cached_badge_id text, current_code text)
language sql stable
as $$
    select e.id, e.badge_id, app.current_badge_code(e.id)
    from app.employees as e
    where e.badge_id is distinct from app.current_badge_code(e.id)
$$;

-- End a holding at now() with a reason; the holder's badge_id cache follows (trigger).
create or replace function app.end_assignment(p_assignment app.badge_assignments, p_reason text) returns void
language plpgsql volatile
as $$
begin
    if p_assignment.id is null then
        return;
    end if;
    update app.badge_assignments as a
    -- begun in this transaction: never in effect, so empty (ignored by the exclusion constraints)
    set during = case when lower(a.during) >= now() then 'empty'::tstzrange else tstzrange(lower(a.during), now()) end,
        end_reason = p_reason, ended_by = app.current_actor()
    where a.id = p_assignment.id and a.employee_id = p_assignment.employee_id;
end
$$;

-- Give the badge to the employee from now on (registering the code on first
-- use); their previous badge, if any, ends as REASSIGNED.
create or replace function app.assign_badge_to(p_code text, p_employee_id uuid, p_kind text default 'EMPLOYEE')
returns app.badge_assignments
language plpgsql volatile
as $$
declare
    v_badge app.badges;
    v_held app.badge_assignments;
    v_own app.badge_assignments;
    v_new app.badge_assignments;
begin
    perform app.require_badge_code(p_code);
    perform app.lock_badge(p_code);
    select * into v_badge from app.badges as b where b.code = p_code;
    if not found then
        insert into app.badges (code, kind, created_by) values (p_code, p_kind, app.current_actor())
        returning * into v_badge;
    end if;
    if v_badge.status <> 'ACTIVE' then
        perform app.fail(409, 'BADGE_NOT_ACTIVE', format('This badge is %s.', lower(v_badge.status)));
    end if;
    if not exists (select 1 from app.employees as e where e.id = p_employee_id and e.employment_status = 'ACTIVE') then
        perform app.fail(404, 'EMPLOYEE_NOT_FOUND', 'No active employee has this id.');
    end if;
    v_held := app.current_assignment(v_badge.id);
    if v_held.employee_id = p_employee_id then
        return v_held;  -- already theirs: nothing changes
    end if;
    if v_held.id is not null then
        perform app.fail(409, 'BADGE_ALREADY_HELD', 'Another employee holds this badge: return it first.');
    end if;
    select a.* into v_own from app.badge_assignments as a
    where a.employee_id = p_employee_id and a.during @> now();
    perform app.end_assignment(v_own, 'REASSIGNED');
    insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
    values (p_employee_id, v_badge.id, tstzrange(now(), null), app.current_actor())
    returning * into v_new;  -- the holder's badge_id cache follows (trigger _910_badge_mirror)
    return v_new;
end
$$;

create or replace function app.badge_json(p_code text) returns jsonb
language sql stable
as $$
    select to_jsonb(b) || jsonb_build_object(
        'holder_employee_id', (app.current_assignment(b.id)).employee_id
    )
    from app.badges as b where b.code = p_code
$$;

create or replace function app.assign_badge(p_badge_code text, p_employee_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_assignment app.badge_assignments;
begin
    perform app.require_role(array['hr_admin']);
    v_assignment := app.assign_badge_to(p_badge_code, p_employee_id);
    perform app.audit('ASSIGN_BADGE', 'badge', p_badge_code, p_employee_id, null, null, to_jsonb(v_assignment));
    return app.badge_json(p_badge_code);
end
$$;
comment on function app.assign_badge(text, uuid) is
'hr_admin: give the badge (registered on first use) to the employee; their previous badge ends.';
grant execute on function app.assign_badge(text, uuid) to hr_admin;

-- The badge to change, under its lock; 404 when unknown.
create or replace function app.badge_for_change(p_code text) returns app.badges
language plpgsql volatile
as $$
declare
    v_badge app.badges;
begin
    perform app.require_badge_code(p_code);
    perform app.lock_badge(p_code);
    select * into v_badge from app.badges as b where b.code = p_code;
    if not found then
        perform app.fail(404, 'BADGE_NOT_FOUND', 'No badge has this code.');
    end if;
    return v_badge;
end
$$;

-- RETURNED (the badge stays ACTIVE, free for someone else), LOST or REVOKED
-- (final: the badge can never be held or scanned in again).
create or replace function app.end_badge(p_badge_code text, p_outcome text, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_badge app.badges;
    v_held app.badge_assignments;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    v_badge := app.badge_for_change(p_badge_code);
    v_held := app.current_assignment(v_badge.id);
    if p_outcome = 'RETURNED' and v_held.id is null then
        perform app.fail(409, 'BADGE_NOT_HELD', 'Nobody holds this badge.');
    end if;
    if p_outcome <> 'RETURNED' and v_badge.status <> 'ACTIVE' then
        perform app.fail(409, 'BADGE_NOT_ACTIVE', format('This badge is already %s.', lower(v_badge.status)));
    end if;
    perform app.end_assignment(v_held, p_outcome);
    if p_outcome <> 'RETURNED' then
        update app.badges as b
        set status = p_outcome, status_reason = p_reason, status_changed_at = now(),
            status_changed_by = app.current_actor()
        where b.id = v_badge.id;
    end if;
    perform app.audit(p_outcome || '_BADGE', 'badge', p_badge_code, v_held.employee_id, p_reason,
        to_jsonb(v_badge), app.badge_json(p_badge_code));
    return app.badge_json(p_badge_code);
end
$$;
grant execute on function app.end_badge(text, text, text) to hr_admin;

create or replace function app.badge_history(p_badge_code text) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_badge_code(p_badge_code);
    if not exists (select 1 from app.badges as b where b.code = p_badge_code) then
        perform app.fail(404, 'BADGE_NOT_FOUND', 'No badge has this code.');
    end if;
    return app.badge_json(p_badge_code) || jsonb_build_object('assignments', (
        select coalesce(jsonb_agg(jsonb_build_object(
            'employee_id', a.employee_id, 'full_name', e.full_name,
            'from', lower(a.during), 'until', upper(a.during), 'end_reason', a.end_reason,
            'assigned_by', a.assigned_by, 'ended_by', a.ended_by
        ) order by lower(a.during) desc), '[]')
        from app.badge_assignments as a
        inner join app.badges as b on a.badge_id = b.id
        inner join app.employees as e on a.employee_id = e.id
        where b.code = p_badge_code
    ));
end
$$;
comment on function app.badge_history(text) is 'hr_admin: a badge, its status and every holder with dates.';
grant execute on function app.badge_history(text) to hr_admin;

-- employees.badge_id written directly (upsert_employee, older tools): assign
-- or return to match. A no-op when the assignments already say so, and not
-- even read when the write is the mirror's own (app.refresh_badge_mirror).
create or replace function app.sync_badge_from_employee(p_employee_id uuid, p_code text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_own app.badge_assignments;
    v_own_code text;
begin
    -- the mirror's own write: marked, and from inside the holdings' trigger
    -- (_910_badge_mirror → app.refresh_badge_mirror → this employees trigger);
    -- the mark alone is a setting any session can set, so a direct write of
    -- badge_id (depth 1) is always taken as a request
    if current_setting('hithonix.badge_mirror_write', true) = 'on' and pg_trigger_depth() > 1 then
        return;
    end if;
    select a.* into v_own from app.badge_assignments as a
    where a.employee_id = p_employee_id and a.during @> now();
    select b.code into v_own_code from app.badges as b where b.id = v_own.badge_id;
    if v_own_code is not distinct from p_code then
        return;
    end if;
    if p_code is null then
        perform app.end_assignment(v_own, 'RETURNED');
    else
        perform app.assign_badge_to(p_code, p_employee_id);
    end if;
end
$$;
