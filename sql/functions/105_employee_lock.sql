-- One writer per employee at a time. Every path that changes an employee's
-- days (live punch, admin event, VOID, unlock, import, backfill) first locks
-- the employee's latest daily_status row (employee_id, business_date_ist) FOR
-- UPDATE: the row a live punch reads its state from. A concurrent writer may
-- have added a later day while we waited, so the lock is re-taken until the
-- locked row is the latest. An employee without any day row yet is serialised
-- by a transaction-scoped advisory lock instead (their first punch).
-- Before either, the employee's ledger chain head (app.lock_ledger_chain_head,
-- sql/functions/700_ledger_chain.sql): a row that never moves, so two writers
-- can never both believe they hold the employee (the latest day row can change
-- while one of them waits), and the chain's lock always comes first.

create or replace function app.employee_lock_key(p_employee_id uuid) returns bigint
language sql immutable strict
as $$
    select hashtextextended('hithonix.employee:' || p_employee_id::text, 0)
$$;

create or replace function app.lock_employee(p_employee_id uuid) returns void
language plpgsql volatile
as $$
declare
    v_latest date;
    v_advisory boolean := false;
begin
    perform app.lock_ledger_chain_head(p_employee_id);
    loop
        select ds.business_date_ist into v_latest
        from app.daily_status as ds
        where ds.employee_id = p_employee_id
        order by ds.business_date_ist desc
        limit 1
        for update;
        if not found then
            exit when v_advisory;
            perform pg_advisory_xact_lock(app.employee_lock_key(p_employee_id));
            v_advisory := true;
            continue;  -- a first punch may have added a row while we waited
        end if;
        exit when not exists (
            select 1 from app.daily_status as ds
            where ds.employee_id = p_employee_id and ds.business_date_ist > v_latest
        );
    end loop;
end
$$;
comment on function app.lock_employee(uuid) is
'Serialise writers of one employee: their latest day row FOR UPDATE (advisory lock before the first).';

-- The same for many employees at once (imports), in employee_id order so that
-- two bulk writers cannot deadlock: one statement per round, not one per
-- employee.
create or replace function app.lock_employees(p_employee_ids uuid[]) returns void
language plpgsql volatile
as $$
declare
    v_ids uuid[] := array(select distinct x from unnest(p_employee_ids) as x where x is not null order by x);
    v_locked date[];
    v_without_row uuid[];
    v_advisory uuid[] := '{}';
begin
    perform app.lock_ledger_chain_heads(v_ids);
    loop
        -- the latest row of each (in v_ids' order), locked
        v_locked := array(
            select (
                select ds.business_date_ist
                from app.daily_status as ds
                where ds.employee_id = i.id
                order by ds.business_date_ist desc
                limit 1
                for update
            )
            from unnest(v_ids) with ordinality as i (id, n)
            order by i.n
        );
        -- a later day added while we waited: lock again; no row: the advisory lock, once
        exit when not exists (
            select 1
            from unnest(v_ids, v_locked) as l (id, day)
            where l.day is not null and exists (
                select 1 from app.daily_status as ds
                where ds.employee_id = l.id and ds.business_date_ist > l.day
            )
        ) and (
            select bool_and(l.id = any(v_advisory)) from unnest(v_ids, v_locked) as l (id, day) where l.day is null
        ) is not false;
        v_without_row := array(
            select l.id from unnest(v_ids, v_locked) as l (id, day)
            where l.day is null and not l.id = any(v_advisory)
            order by l.id
        );
        perform pg_advisory_xact_lock(app.employee_lock_key(x)) from unnest(v_without_row) as x order by x;
        v_advisory := v_advisory || v_without_row;
    end loop;
end
$$;
comment on function app.lock_employees(uuid[]) is 'app.lock_employee for many employees, in employee_id order.';
