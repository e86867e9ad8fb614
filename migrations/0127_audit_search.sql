-- Audit-log API (issue 14 part 3): search indexes, per-day counts and the
-- retention setting. See sql/schema/750_audit_search.sql.
create extension if not exists pg_trgm with schema public;

create index audit_logs_action_idx on app.audit_logs (action, created_at);
create index audit_logs_actor_idx on app.audit_logs (actor_slack_id, created_at);
create index audit_logs_actor_employee_idx on app.audit_logs (actor_employee_id, created_at);
create index audit_logs_text_idx on app.audit_logs
using gin ((coalesce(reason, '') || ' ' || context::text) public.gin_trgm_ops);

create table app.audit_log_day_counts (
    day date not null,
    action text not null,
    n bigint not null,
    primary key (day, action),
    constraint audit_log_day_counts_n_not_negative check (n >= 0)
);

-- an action's days (the primary key serves a range of days over all actions)
create index audit_log_day_counts_action_idx on app.audit_log_day_counts (action, day) include (n);

alter table app.audit_log_day_counts enable row level security;

comment on table app.audit_log_day_counts is
'Audit rows per UTC day and action (trigger-maintained): exact totals of broad audit searches.';

-- the rows written before the trigger existed
insert into app.audit_log_day_counts (day, action, n)
select
    (a.created_at at time zone 'UTC')::date as day,
    a.action,
    count(*) as n
from app.audit_logs as a
group by 1, 2;

insert into app.settings (key, value, description) values
(
    'audit_retention_days', '730',
    'Audit rows older than this many days are removed by the retention job (app.purge_audit_logs), '
    || 'which leaves one PURGE_AUDIT_LOGS row saying what it removed'
)
on conflict (key) do nothing;
