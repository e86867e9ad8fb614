-- One writer per employee at a time. Every path that changes an employee's
-- ledger or days (live punch, admin event, VOID, unlock, import, backfill,
-- leave decisions, the worker's sync updates) first locks the employee's
-- ledger chain head (app.ledger_chain_heads, sql/functions/700_ledger_chain.sql)
-- FOR UPDATE: one row per employee that never moves and exists before their
-- first punch, held to commit. So a live punch's state check and its step see
-- no concurrent writer, two retries of one idempotency key find one event, and
-- the chain cannot fork. (Until issue 11's rework the lock also walked to the
-- employee's latest daily_status row, re-taking it while later days appeared,
-- and fell back to an advisory lock before the first day: the head alone was
-- already sufficient, as every writer takes it first, and the walk cost two
-- index lookups per punch.)

create or replace function app.lock_employee(p_employee_id uuid) returns void
language plpgsql volatile
as $$
begin
    perform app.lock_ledger_chain_head(p_employee_id);
end
$$;
comment on function app.lock_employee(uuid) is
'Serialise writers of one employee: their ledger chain head FOR UPDATE (created when missing).';

-- The same for many employees at once (imports), in employee_id order so that
-- two bulk writers cannot deadlock: one statement, not one per employee.
create or replace function app.lock_employees(p_employee_ids uuid[]) returns void
language plpgsql volatile
as $$
begin
    perform app.lock_ledger_chain_heads(p_employee_ids);
end
$$;
comment on function app.lock_employees(uuid[]) is 'app.lock_employee for many employees, in employee_id order.';
