-- audit_logs: the per-day counts of the audit search (sql/schema/750_audit_search.sql)
--   audit_logs  _760_day_counts  (statement, AFTER INSERT, transition table)
-- One upsert per (UTC day, action) per statement. The counter row stays
-- locked until the inserting transaction commits, so two transactions auditing
-- the same action on the same day commit one after the other (admin and
-- approver writes only; the punch path writes no audit row).

create or replace function app.tg_audit_logs__day_counts() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into app.audit_log_day_counts as c (day, action, n)
    select (r.created_at at time zone 'UTC')::date, r.action, count(*)
    from new_rows as r
    group by 1, 2
    order by 1, 2
    on conflict (day, action) do update set n = c.n + excluded.n;
    return null;
end
$$;

create or replace trigger _760_day_counts
after insert on app.audit_logs
referencing new table as new_rows
for each statement execute function app.tg_audit_logs__day_counts();
