-- audit_logs and day_unlocks are append-only, like the ledger: no UPDATE,
-- DELETE or TRUNCATE from anyone, owner included (audit_logs: the retention
-- purge aside, below).

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

-- audit_logs: the retention purge (app.purge_audit_logs_v1) is the one
-- sanctioned DELETE: the owner, with hithonix.audit_purge on, and only rows
-- older than the cutoff it set. Everything else is refused like above.
create or replace function app.tg_audit_logs__append_only() returns trigger
language plpgsql volatile
as $$
begin
    if tg_op = 'DELETE'
        and current_setting('hithonix.audit_purge', true) = 'on'
        and pg_has_role(current_user, (select c.relowner from pg_class as c where c.oid = tg_relid), 'member')
        and old.created_at < current_setting('hithonix.audit_purge_cutoff', true)::timestamptz
    then
        return old;
    end if;
    perform app.fail(
        403, 'APPEND_ONLY', format('%s on %s is not allowed: it is append-only.', tg_op, tg_table_name)
    );
    return null;
end
$$;

create or replace trigger _010_append_only
before update or delete on app.audit_logs
for each row execute function app.tg_audit_logs__append_only();

create or replace trigger _011_no_truncate
before truncate on app.audit_logs
for each statement execute function app.tg_append_only();

create or replace trigger _010_append_only
before update or delete on app.day_unlocks
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.day_unlocks
for each statement execute function app.tg_append_only();
