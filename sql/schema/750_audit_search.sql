-- The audit-log API (issue 14 part 3): what makes a search page fast at
-- millions of rows (sql/functions/760_audit_api.sql).
-- * one (filter column, created_at) index per filter, so a filtered first page
--   is an index range read backwards, and its exact count an index scan;
-- * a trigram index over reason and context for the free-text filter;
-- * app.audit_log_day_counts: the number of rows per UTC day and action,
--   kept exact by a statement trigger on every insert (and by the retention
--   purge): the count of a search with no actor, employee or text filter is
--   a sum over these rows plus the two partial days at the range's edges,
--   instead of a count of millions of rows.
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
