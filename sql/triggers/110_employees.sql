-- Triggers on employees: updated_at, and a manager chain without cycles (the
-- approver visibility walks it).

create or replace function app.tg_employees__timestamps() returns trigger
language plpgsql volatile
as $$
begin
    new.updated_at := now();
    return new;
end
$$;

create or replace function app.tg_employees__manager_chain() returns trigger
language plpgsql volatile
as $$
begin
    -- a new row has no reports yet, so it cannot close a loop: only changes walk the chain
    if tg_op = 'UPDATE' and new.manager_employee_id is not null and exists (
        with recursive up (id, depth) as (
            select new.manager_employee_id, 1
            union all
            select e.manager_employee_id, up.depth + 1
            from app.employees as e
            inner join up on e.id = up.id
            where e.manager_employee_id is not null and up.depth < 1000
        )
        select 1 from up where up.id = new.id
    ) then
        perform app.fail(422, 'MANAGER_CYCLE', 'This manager would make the reporting chain a loop.');
    end if;
    return new;
end
$$;

create or replace trigger _100_timestamps
before update on app.employees
for each row execute function app.tg_employees__timestamps();

create or replace trigger _200_manager_chain
before insert or update of manager_employee_id on app.employees
for each row execute function app.tg_employees__manager_chain();
