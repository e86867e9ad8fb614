-- audit_logs and day_unlocks are append-only, like the ledger: no UPDATE,
-- DELETE or TRUNCATE from anyone, owner included.

create or replace function app.tg_append_only() returns trigger
language plpgsql volatile
as $$
begin
    perform app.fail(
        403, 'APPEND_ONLY', format('%s on %s is not allowed: it is append-only.', tg_op, tg_table_name)
    );
    return null;
end
$$;

create or replace trigger _010_append_only
before update or delete on app.audit_logs
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.audit_logs
for each statement execute function app.tg_append_only();

create or replace trigger _010_append_only
before update or delete on app.day_unlocks
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.day_unlocks
for each statement execute function app.tg_append_only();
