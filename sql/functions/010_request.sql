-- Request identity and errors: the one place that reads request.jwt.claims and
-- request.headers, the one way business errors are raised (PTxxx SQLSTATE,
-- stable upper-case code as MESSAGE, a sentence as DETAIL, JSON as HINT), and
-- the caller checks built on both (require_role, require_reason).

create or replace function app.jwt_claims() returns jsonb
language sql stable
as $$
    select coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
comment on function app.jwt_claims() is 'The verified JWT claims PostgREST put in request.jwt.claims.';

-- The role the request runs as. Inside SECURITY DEFINER functions current_user
-- is the owner, so the claim is what tells who called.
create or replace function app.current_app_role() returns text
language sql stable
as $$
    select coalesce(app.jwt_claims() ->> 'role', 'anon')
$$;

-- No FROM clause, so that it inlines into its callers' cached plans (a SQL
-- function that cannot inline is planned again on every call from PL/pgSQL).
create or replace function app.current_employee_id() returns uuid
language sql stable
as $$
    select case
        when app.jwt_claims() ->> 'employee_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            then (app.jwt_claims() ->> 'employee_id')::uuid
    end
$$;

-- The actor recorded in the ledger and the audit trail, derived from what the
-- database knows, never from the token's free-text sub (issue 10): the token's
-- employee's Slack id, else their e-mail; a kiosk as kiosk:<kiosk_id>; owner
-- scripts (no client role) may name themselves in sub (the backfill does);
-- else the database user.
create or replace function app.current_actor() returns text
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- PL/pgSQL: its plans are cached (a SQL function with SET is planned on every call)
    return coalesce(
        (
            select coalesce(e.slack_user_id, e.email::text)
            from app.employees as e where e.id = app.current_employee_id()
        ),
        case when app.current_app_role() = 'kiosk' then 'kiosk:' || left(app.jwt_claims() ->> 'kiosk_id', 64) end,
        case when app.current_app_role() not in ('anon', 'employee', 'approver', 'hr_admin', 'kiosk')
            then left(app.jwt_claims() ->> 'sub', 64) end,
        session_user::text
    );
end
$$;

create or replace function app.request_id() returns text
language sql stable
as $$
    select case when length(h.id) <= 200 then h.id end
    from (
        select coalesce(nullif(pg_catalog.current_setting('request.headers', true), ''), '{}')::jsonb
            ->> 'x-request-id' as id
    ) as h
$$;
comment on function app.request_id() is
'The x-request-id header as sent, or null when absent or longer than 200 characters (not stored then).';

-- One request header (PostgREST lower-cases the names), or null.
create or replace function app.request_header(p_name text) returns text
language sql stable
as $$
    select coalesce(nullif(pg_catalog.current_setting('request.headers', true), ''), '{}')::jsonb
        ->> lower(p_name)
$$;

create or replace function app.fail(
    p_status integer, p_code text, p_detail text, p_hint jsonb default null
) returns void
language plpgsql volatile
as $$
begin
    -- a refusal is an answer, not a fault: keep it out of the server log (the
    -- setting ends with the failing transaction; see migration 0031, README "Noise")
    begin
        perform pg_catalog.set_config('log_min_messages', 'fatal', true);
    exception when insufficient_privilege then
        null;
    end;
    if p_hint is null then
        raise exception using errcode = 'PT' || p_status::text, message = p_code, detail = p_detail;
    end if;
    raise exception using
        errcode = 'PT' || p_status::text, message = p_code, detail = p_detail, hint = p_hint::text;
end
$$;
comment on function app.fail(integer, text, text, jsonb) is
'Raise a business error: SQLSTATE PT<status>, MESSAGE = stable code.';
-- invoker functions (the gatekeeper, argument bounds) raise as the client role
grant execute on function app.fail(integer, text, text, jsonb) to anon, employee, approver, hr_admin, kiosk;

-- A business error that must carry response headers (429 + Retry-After).
-- PostgREST reads response.headers only from a transaction that succeeded,
-- so a header set before RAISE is lost; its SQLSTATE 'PGRST' error is the one
-- way to answer an error with headers (PostgREST >= 11, "Add HTTP Headers
-- with RAISE"): MESSAGE is the body as JSON (we keep app.fail's shape: code
-- PT<status>, message = the stable code, details, hint), DETAIL the status and
-- headers. Only for answers given inside a PostgREST request (the
-- pre-request function); elsewhere app.fail.
create or replace function app.fail_http(
    p_status integer, p_code text, p_detail text, p_hint jsonb, p_headers jsonb
) returns void
language plpgsql volatile
as $$
begin
    begin
        perform pg_catalog.set_config('log_min_messages', 'fatal', true);
    exception when insufficient_privilege then
        null;
    end;
    raise sqlstate 'PGRST' using
        message = pg_catalog.json_build_object(
            'code', 'PT' || p_status::text, 'message', p_code, 'details', p_detail, 'hint', p_hint::text
        )::text,
        detail = pg_catalog.json_build_object('status', p_status, 'headers', coalesce(p_headers, '{}'))::text;
end
$$;
comment on function app.fail_http(integer, text, text, jsonb, jsonb) is
'Raise a business error with response headers (SQLSTATE PGRST: body and status/headers as JSON).';

-- The checks every privileged app function opens with (they run as the owner,
-- so the role comes from the request, not from current_user).
create or replace function app.require_role(p_roles text[]) returns void
language plpgsql stable
as $$
begin
    if not app.current_app_role() = any(p_roles) then
        perform app.fail(403, 'FORBIDDEN', format('This needs one of the roles %s.', array_to_string(p_roles, ', ')));
    end if;
end
$$;
comment on function app.require_role(text[]) is
'Refuse (403 FORBIDDEN) unless the request runs as one of these roles.';

create or replace function app.require_reason(p_reason text) returns void
language plpgsql immutable
as $$
begin
    if p_reason is null or length(btrim(p_reason)) < 3 then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'A reason of at least 3 characters is required.', '{"field": "reason"}'
        );
    end if;
    perform app.require_max_length('reason', p_reason, 1000);
end
$$;
comment on function app.require_reason(text) is
'Refuse (422 INVALID_ARGUMENT) a missing, too short or too long (over 1000 characters) reason.';

grant execute on function app.jwt_claims(), app.current_app_role(), app.current_employee_id(),
app.current_actor(), app.request_id(), app.request_header(text)
to anon, employee, approver, hr_admin, kiosk, hithonix_worker;
