-- The last active hr_admin stays (issue 14 part 2), whatever the path: the
-- batch functions, set_employee_role, deactivate_employee, an import, an owner
-- script.
--   employees  _750_keep_last_hr_admin  (row, AFTER UPDATE OF role, employment_status,
--                                        only when an active hr_admin stops being one)
-- Concurrency: two transactions each demoting a different one of the last two
-- admins would each still see the other. So every such change takes one
-- transaction-level advisory lock before counting; the second waits for the
-- first to commit, then counts again with a fresh snapshot (READ COMMITTED)
-- and sees it. Promotions and everything else never reach the trigger (WHEN).

create or replace function app.tg_employees__keep_last_hr_admin() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- key: 'hr_admin' as a number, one lock for every such change
    perform pg_catalog.pg_advisory_xact_lock(7514);
    if not exists (
        select 1 from app.employees as e where e.role = 'hr_admin' and e.employment_status = 'ACTIVE'
    ) then
        perform app.fail(
            409, 'LAST_HR_ADMIN', 'This would leave no active hr_admin; make someone else hr_admin first.',
            jsonb_build_object('employee_id', old.id)
        );
    end if;
    return null;
end
$$;

create or replace trigger _750_keep_last_hr_admin
after update of role, employment_status on app.employees
for each row
when (
    old.role = 'hr_admin' and old.employment_status = 'ACTIVE'
    and (new.role <> 'hr_admin' or new.employment_status <> 'ACTIVE')
)
execute function app.tg_employees__keep_last_hr_admin();
