-- Rate limits (issue 14 part 4): per-actor limits on classes of calls, run by
-- the pre-request function (sql/functions/240_pre_request.sql).
--
-- * The class comes from the request line PostgREST sets (request.method,
--   request.path) by name only: no table is read for a call outside the three
--   classes, so a punch pays one CASE.
-- * The limit of a class is the settings row rate_limit_<class>:
--   {"limit": n, "window_seconds": w}; null (or no row) means no limit.
-- * The counter is one row per (actor, class) of the unlogged
--   app.rate_limit_counters, a fixed window aligned on multiples of w seconds,
--   bumped by one INSERT … ON CONFLICT DO UPDATE … RETURNING: concurrent
--   calls of one actor and class queue on that row, and each sees the count
--   the previous one committed, so exactly `limit` calls pass per window.
-- * The bump belongs to the request's transaction: a call that fails (a 4xx
--   from the function, or the 429 itself) is not counted, and a long call
--   (an import commit) holds the actor's counter row until it commits, so the
--   same actor's next call of that class waits for it rather than run beside it.
-- * PostgREST runs GETs and POSTs to STABLE functions READ ONLY: nothing can
--   be written there, so read-only calls are never counted (they are bounded
--   by the roles' statement_timeout instead). The classes hold read-write
--   POSTs only; an export that must be limited is VOLATILE (audit_logs_export
--   is: it audits itself).
-- * Over the limit: 429 RATE_LIMITED with a Retry-After header (seconds to the
--   next window) through app.fail_http; retry_after_seconds is in the hint too.

-- The rate-limited class of a request, or null. Names of api functions only
-- (PostgREST's request.path of an RPC is /rpc/<name>).
create or replace function app.rate_limit_class(p_method text, p_path text) returns text
language sql immutable
as $$
    select case
        when p_method is distinct from 'POST' or p_path not like '/rpc/%' then null
        when substr(p_path, 6) in ('import_prepare', 'import_preview', 'import_commit', 'import_rollback')
            then 'imports'
        when substr(p_path, 6) in ('audit_logs_export') then 'exports'
        when substr(p_path, 6) in (
            'add_event', 'adjust_leave_balance', 'assign_roles', 'calendar_sync', 'deactivate_employee',
            'delete_holiday', 'lock_period', 'retry_sync', 'set_employee_role', 'unassign_roles',
            'unlock_period', 'upsert_employee', 'upsert_holiday', 'upsert_leave_policy', 'void_event',
            -- the front desk's administration (issue 15)
            'acknowledge_alert', 'assign_badge', 'register_kiosk_device', 'report_badge_lost', 'return_badge',
            'revoke_badge', 'revoke_kiosk_device', 'rotate_kiosk_key', 'set_kiosk_device_purpose',
            'add_event_attendees', 'create_event', 'lockup', 'set_duty'
        ) then 'admin_writes'
    end
$$;
comment on function app.rate_limit_class(text, text) is
'The rate-limited class (imports, exports, admin_writes) of a request line, or null.';

-- Who is counted: the token's employee, else the kiosk, else role and subject.
create or replace function app.rate_limit_actor(p_claims jsonb) returns text
language sql immutable
as $$
    select left(coalesce(
        p_claims ->> 'employee_id',
        'kiosk:' || (p_claims ->> 'kiosk_id'),
        coalesce(p_claims ->> 'role', 'anon') || ':' || coalesce(p_claims ->> 'sub', '')
    ), 200)
$$;

-- Count one call of p_class for the caller; 429 when it is over the limit.
-- Runs as the pre-request function's owner (no client role may touch the
-- counters).
create or replace function app.rate_limit_hit(p_class text) returns void
language plpgsql volatile
as $$
declare
    v_setting jsonb;
    v_limit integer;
    v_window integer;
    v_window_start timestamptz;
    v_hits integer;
    v_started timestamptz;
    v_retry_after integer;
begin
    if p_class is null or pg_catalog.current_setting('transaction_read_only') = 'on' then
        return;
    end if;
    select s.value into v_setting from app.settings as s where s.key = 'rate_limit_' || p_class;
    if v_setting is null or jsonb_typeof(v_setting) <> 'object' then
        return;
    end if;
    v_limit := (v_setting ->> 'limit')::integer;
    v_window := (v_setting ->> 'window_seconds')::integer;
    v_window_start := to_timestamp(floor(extract(epoch from pg_catalog.clock_timestamp()) / v_window) * v_window);
    insert into app.rate_limit_counters as c (actor, call_class, window_start, hits)
    values (app.rate_limit_actor(app.jwt_claims()), p_class, v_window_start, 1)
    on conflict (actor, call_class) do update
        set window_start = greatest(c.window_start, excluded.window_start),
            hits = case when c.window_start >= excluded.window_start then c.hits + 1 else 1 end
    returning c.hits, c.window_start into v_hits, v_started;
    if v_hits > v_limit then
        v_retry_after := greatest(
            1, ceil(extract(epoch from v_started + make_interval(secs => v_window) - pg_catalog.clock_timestamp()))
        )::integer;
        perform app.fail_http(
            429, 'RATE_LIMITED',
            format('At most %s %s calls per %s seconds; try again in %s seconds.',
                v_limit, replace(p_class, '_', ' '), v_window, v_retry_after),
            jsonb_build_object(
                'class', p_class, 'limit', v_limit, 'window_seconds', v_window,
                'retry_after_seconds', v_retry_after
            ),
            jsonb_build_object('Retry-After', v_retry_after::text)
        );
    end if;
end
$$;
comment on function app.rate_limit_hit(text) is
'Count one call of a rate-limited class for the caller (pre-request); 429 RATE_LIMITED + Retry-After over the limit.';
