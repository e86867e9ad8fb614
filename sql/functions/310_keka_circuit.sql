-- The Keka push circuit breaker (app.keka_sync_circuit, one row): the worker
-- reads it before each drain, opens it when Keka refuses a whole request
-- (REJECTED: key, device identifier, URL) or does not answer a batch (OUTAGE),
-- records each failed one-punch probe, and closes it on the first accepted
-- request. While it is open no batch is read, so no read counts against a punch.

-- What the worker needs to decide: the row, and whether a probe is due now
-- (always when the configuration it runs with differs from the one refused).
create or replace function app.keka_circuit_v1(p_fingerprint text)
returns table (
    state text, kind text, reason text, opened_at timestamptz, next_probe_at timestamptz,
    probes integer, last_success_at timestamptz, probe_due boolean, seconds_since_success double precision
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select
        c.state, c.kind, c.reason, c.opened_at, c.next_probe_at, c.probes, c.last_success_at,
        c.state = 'OPEN' and (
            c.next_probe_at <= now() or c.config_fingerprint is distinct from p_fingerprint
        ),
        extract(epoch from now() - c.last_success_at)::double precision
    from app.keka_sync_circuit as c
$$;
grant execute on function app.keka_circuit_v1(text) to hithonix_worker;

-- Open (or keep open, one more failed probe). Returns true when it was closed.
create or replace function app.keka_circuit_open_v1(
    p_kind text, p_reason text, p_probe_in_seconds numeric, p_fingerprint text
) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_was_closed boolean;
begin
    select c.state = 'CLOSED' into v_was_closed from app.keka_sync_circuit as c for update;
    update app.keka_sync_circuit as c set
        state = 'OPEN',
        kind = p_kind,
        reason = left(p_reason, 2000),
        opened_at = case when v_was_closed then now() else c.opened_at end,
        next_probe_at = now() + make_interval(secs => greatest(p_probe_in_seconds, 0)),
        probes = case when v_was_closed then 0 else c.probes + 1 end,
        config_fingerprint = left(p_fingerprint, 200),
        updated_at = now();
    return v_was_closed;
end
$$;
grant execute on function app.keka_circuit_open_v1(text, text, numeric, text) to hithonix_worker;

-- Keka accepted a request: remember when, and close the circuit. Returns how
-- long it was open (null when it was closed).
create or replace function app.keka_circuit_success_v1() returns interval
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_open_for interval;
begin
    select case when c.state = 'OPEN' then now() - c.opened_at end into v_open_for
    from app.keka_sync_circuit as c for update;
    update app.keka_sync_circuit as c set
        state = 'CLOSED', kind = null, reason = null, opened_at = null, next_probe_at = null,
        probes = 0, last_success_at = now(), updated_at = now();
    return v_open_for;
end
$$;
grant execute on function app.keka_circuit_success_v1() to hithonix_worker;

-- For `status` and dashboards: the circuit as one row (state, since, why, next probe).
create or replace function app.keka_sync_circuit_state() returns table (
    state text, kind text, reason text, opened_at timestamptz, next_probe_at timestamptz,
    probes integer, last_success_at timestamptz
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select c.state, c.kind, c.reason, c.opened_at, c.next_probe_at, c.probes, c.last_success_at
    from app.keka_sync_circuit as c
$$;
grant execute on function app.keka_sync_circuit_state() to hr_admin, hithonix_worker;
