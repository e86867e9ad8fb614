-- Rate limits (issue 14 part 4): the unlogged counters and the per-class
-- limits. See sql/schema/740_rate_limits.sql and sql/functions/740_rate_limit.sql.
create unlogged table app.rate_limit_counters (
    actor text not null,
    call_class text not null,
    window_start timestamptz not null,
    hits integer not null,
    primary key (actor, call_class),
    constraint rate_limit_counters_actor_length check (length(actor) <= 200),
    constraint rate_limit_counters_class_known check (call_class in ('imports', 'exports', 'admin_writes')),
    constraint rate_limit_counters_hits_positive check (hits > 0)
);

alter table app.rate_limit_counters enable row level security;

comment on table app.rate_limit_counters is
'Per-actor fixed-window call counters of the rate-limited classes (unlogged: no WAL).';

insert into app.settings (key, value, description) values
(
    'rate_limit_imports', '{"limit": 30, "window_seconds": 60}',
    'Per actor: at most limit import calls (prepare, preview, commit, rollback) per window; null: no limit'
),
(
    'rate_limit_exports', '{"limit": 10, "window_seconds": 60}',
    'Per actor: at most limit export calls (read-write POSTs, e.g. audit_logs_export) per window; null: no limit'
),
(
    'rate_limit_admin_writes', '{"limit": 120, "window_seconds": 60}',
    'Per actor: at most limit hr_admin writes (employees, roles, events, leave policy, …) per window; null: no limit'
)
on conflict (key) do nothing;
