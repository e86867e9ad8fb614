-- Rate limits (issue 14): one counter row per actor and class of call
-- (imports, exports, admin writes), a fixed window each. The pre-request
-- function (sql/functions/240_pre_request.sql, app.rate_limit_hit) bumps it
-- with one INSERT … ON CONFLICT DO UPDATE … RETURNING. UNLOGGED: the counters
-- cost no WAL and are lost after a crash, which only forgives one window.
-- The limits themselves are settings rows (rate_limit_<class>).

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
