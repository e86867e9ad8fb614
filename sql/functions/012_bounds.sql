-- Bounds on what a client sends (issue 10). One way to refuse an argument that
-- is out of bounds (422 INVALID_ARGUMENT; the hint names the field), and the
-- translation of a violated constraint into the same kind of error, so no
-- client sees a raw constraint error (PostgREST: a 400 or 500 whose details
-- echo the whole failing row).
--
-- The bounds themselves live in the tables (constraints named
-- <table>_<column>_length / _size / _window, see sql/schema); the checks here
-- are for arguments that never reach a column as such (a plan inside payload)
-- or that must be refused before work that could be costly.

create or replace function app.require_max_length(p_field text, p_value text, p_max integer) returns void
language plpgsql immutable
as $$
begin
    if length(p_value) > p_max then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s must be at most %s characters.', p_field, p_max),
            jsonb_build_object('field', p_field, 'max_length', p_max)
        );
    end if;
end
$$;
comment on function app.require_max_length(text, text, integer) is
'422 INVALID_ARGUMENT naming p_field when p_value is longer than p_max characters.';

-- A required text argument: present (after trimming) and at most p_max characters.
create or replace function app.require_text(p_field text, p_value text, p_max integer) returns void
language plpgsql immutable
as $$
begin
    if p_value is null or btrim(p_value) = '' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s is required.', p_field), jsonb_build_object('field', p_field)
        );
    end if;
    perform app.require_max_length(p_field, p_value, p_max);
end
$$;
comment on function app.require_text(text, text, integer) is
'422 INVALID_ARGUMENT naming p_field when p_value is missing, blank or longer than p_max characters.';

-- A required whole-number argument in [p_min, p_max].
create or replace function app.require_range(p_field text, p_value integer, p_min integer, p_max integer) returns void
language plpgsql immutable
as $$
begin
    if p_value is null or p_value not between p_min and p_max then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s must be from %s to %s.', p_field, p_min, p_max),
            jsonb_build_object('field', p_field, 'min', p_min, 'max', p_max)
        );
    end if;
end
$$;
comment on function app.require_range(text, integer, integer, integer) is
'422 INVALID_ARGUMENT naming p_field when p_value is missing or outside [p_min, p_max].';

-- The client-supplied text of a live punch: bounded before anything else runs
-- (the gatekeeper's cost grows with the plan; payload has a size bound).
create or replace function app.require_punch_arguments(p_note text, p_plan text, p_idempotency_key text)
returns void
language plpgsql immutable
as $$
declare
    c_plan constant integer := 2000;
    c_note constant integer := 500;
    c_idempotency_key constant integer := 200;
begin
    -- every punch passes here: one expression when all is well (the limits stated once, above)
    if not coalesce(
        length(p_plan) > c_plan or length(p_note) > c_note or length(p_idempotency_key) > c_idempotency_key
        or p_idempotency_key = '',
        false
    ) then
        return;
    end if;
    perform app.require_max_length('plan', p_plan, c_plan);
    perform app.require_max_length('note', p_note, c_note);
    perform app.require_max_length('idempotency_key', p_idempotency_key, c_idempotency_key);
    if p_idempotency_key = '' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', 'idempotency_key must not be empty.', '{"field": "idempotency_key"}'
        );
    end if;
end
$$;

-- An instant a caller supplies must fall in [now - p_back, now + p_ahead].
create or replace function app.require_occurred_at_window(
    p_at timestamptz, p_back interval, p_ahead interval
) returns void
language plpgsql stable
as $$
begin
    if p_at is null then
        perform app.fail(422, 'INVALID_ARGUMENT', 'occurred_at is required.', '{"field": "occurred_at"}');
    end if;
    if p_at > now() + p_ahead then
        perform app.fail(
            422, 'OCCURRED_AT_IN_FUTURE', 'occurred_at is in the future.', '{"field": "occurred_at"}'
        );
    end if;
    if p_at < now() - p_back then
        perform app.fail(
            422, 'BACKDATE_LIMIT_EXCEEDED',
            format('occurred_at may be at most %s back.', p_back),
            jsonb_build_object('field', 'occurred_at', 'earliest', now() - p_back)
        );
    end if;
end
$$;

-- A violated constraint as the client's error: the field (the constraint's
-- column) and the rule, never the row. Callers catch check_violation,
-- not_null_violation, unique_violation and foreign_key_violation around their
-- writes and pass the diagnostics here.
create or replace function app.fail_constraint(p_sqlstate text, p_constraint text, p_column text)
returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_field text := nullif(p_column, '');
    v_rule text;
    v_max integer;
begin
    select
        coalesce(v_field, (
            select a.attname::text from pg_catalog.pg_attribute as a
            where a.attrelid = con.conrelid and a.attnum = con.conkey[1]
        )),
        pg_catalog.pg_get_constraintdef(con.oid)
    into v_field, v_rule
    from pg_catalog.pg_constraint as con
    where con.conname = p_constraint and con.connamespace = 'app'::regnamespace
    limit 1;
    if p_sqlstate = '23505' then
        perform app.fail(
            409, 'ALREADY_EXISTS', format('Another row already has this %s.', coalesce(v_field, 'value')),
            jsonb_build_object('field', v_field)
        );
    end if;
    if p_sqlstate = '23503' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s names nothing that exists.', coalesce(v_field, 'A reference')),
            jsonb_build_object('field', v_field)
        );
    end if;
    if p_sqlstate = '23502' then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s is required.', v_field), jsonb_build_object('field', v_field)
        );
    end if;
    v_max := (regexp_match(v_rule, '^CHECK \(\(length\(\(?[a-z_]+\)?(::text)?\) <= (\d+)\)\)$'))[2]::integer;
    if v_max is not null then
        perform app.fail(
            422, 'INVALID_ARGUMENT', format('%s must be at most %s characters.', v_field, v_max),
            jsonb_build_object('field', v_field, 'max_length', v_max)
        );
    end if;
    perform app.fail(
        422, 'INVALID_ARGUMENT', format('%s is out of bounds (%s).', coalesce(v_field, 'A value'), p_constraint),
        jsonb_build_object('field', v_field, 'rule', v_rule)
    );
end
$$;
comment on function app.fail_constraint(text, text, text) is
'Raise a violated constraint as 422 INVALID_ARGUMENT / 409 ALREADY_EXISTS naming the field, never the row.';
grant execute on function app.require_max_length(text, text, integer), app.require_punch_arguments(text, text, text),
app.require_occurred_at_window(timestamptz, interval, interval)
to employee, approver, hr_admin, kiosk;

-- A statement cancelled by the role's statement_timeout, as a clear error:
-- PostgREST maps SQLSTATE 57014 to 500, which says "our bug" for what is a
-- request too large for its time limit. Called from the exception handler
-- (when query_canceled) of the api functions whose cost grows with the data.
create or replace function app.fail_timeout() returns void
language plpgsql volatile
as $$
begin
    perform app.fail(
        503, 'STATEMENT_TIMEOUT',
        format('The request ran longer than its limit of %s; narrow it (a shorter date range) or retry later.',
            pg_catalog.current_setting('statement_timeout')),
        jsonb_build_object('statement_timeout', pg_catalog.current_setting('statement_timeout'))
    );
end
$$;
grant execute on function app.fail_timeout() to anon, employee, approver, hr_admin, kiosk;
