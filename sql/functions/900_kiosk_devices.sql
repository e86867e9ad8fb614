-- Kiosk devices and their API keys (issue 15): register, rotate, revoke
-- (hr_admin, audited); kiosk_login (anon: key -> short-lived JWT signed here
-- with the PostgREST secret, pgcrypto's HMAC-SHA256); the pre-request check of
-- kiosk tokens (app.check_kiosk_device, called first by app.pre_request).
--
-- A key is `hxk_<12 hex prefix>_<64 hex secret>` from gen_random_bytes: 304
-- random bits, shown once; the database keeps sha256(key) and the prefix. A
-- failed login commits its count (the answer is a 401 body with
-- response.status, not an exception that would roll the count back); past
-- kiosk_login_max_failures_per_minute failures for one prefix (or for
-- malformed keys together) in the current minute, kiosk_login answers 429.

-- An error answer that commits: PostgREST sends it with this HTTP status.
create or replace function app.error_response(p_status integer, p_code text, p_detail text) returns jsonb
language plpgsql volatile
as $$
begin
    perform pg_catalog.set_config('response.status', p_status::text, true);
    return jsonb_build_object('code', 'PT' || p_status, 'message', p_code, 'details', p_detail, 'hint', null);
end
$$;
comment on function app.error_response(integer, text, text) is
'Set response.status and return a PostgREST-shaped error body, for refusals whose writes must commit.';

create or replace function app.base64url(p_bytes bytea) returns text
language sql immutable strict
as $$
    select pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(p_bytes, 'base64'), E'+/\n', '-_'), '=')
$$;

-- An HS256 JWT of p_claims signed with the PostgREST secret.
create or replace function app.jwt_sign(p_claims jsonb) returns text
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_secret text;
    v_data text;
begin
    select k.secret into v_secret from app.jwt_signing_key as k;
    if v_secret is null then
        perform app.fail(
            503, 'SIGNING_KEY_MISSING',
            'The database does not know the JWT secret yet: run make migrate with PGRST_JWT_SECRET set.'
        );
    end if;
    v_data := app.base64url(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'))
        || '.' || app.base64url(convert_to(p_claims::text, 'UTF8'));
    return v_data || '.' || app.base64url(public.hmac(convert_to(v_data, 'UTF8'), convert_to(v_secret, 'UTF8'), 'sha256'));
end
$$;
comment on function app.jwt_sign(jsonb) is 'An HS256 JWT of the claims, signed with app.jwt_signing_key (owner only).';

-- Written by the migration runner after every `make migrate` (worker/db/migrate.py).
create or replace function app.set_jwt_secret(p_secret text) returns void
language sql volatile
as $$
    insert into app.jwt_signing_key (secret) values (p_secret)
    on conflict (singleton) do update set secret = excluded.secret, updated_at = now()
    where app.jwt_signing_key.secret is distinct from excluded.secret
$$;

create or replace function app.new_kiosk_key() returns text
language sql volatile
as $$
    select 'hxk_' || pg_catalog.encode(public.gen_random_bytes(6), 'hex')
        || '_' || pg_catalog.encode(public.gen_random_bytes(32), 'hex')
$$;

create or replace function app.kiosk_key_hash(p_key text) returns text
language sql immutable strict
as $$
    select pg_catalog.encode(public.digest(convert_to(p_key, 'UTF8'), 'sha256'), 'hex')
$$;

-- The device as an admin sees it (never the hash).
create or replace function app.kiosk_device_json(p_device app.kiosk_devices) returns jsonb
language sql immutable
as $$
    select to_jsonb(p_device) - 'key_hash'
$$;

-- A reader's purpose: 'attendance' (a scan punches) or 'event' (a scan is
-- recorded for the event report, never a punch); 422 for anything else.
create or replace function app.require_kiosk_purpose(p_purpose text) returns text
language plpgsql immutable
as $$
begin
    if p_purpose is null or lower(btrim(p_purpose)) not in ('attendance', 'event') then
        perform app.fail(422, 'INVALID_ARGUMENT', 'purpose must be attendance or event.', '{"field": "purpose"}');
    end if;
    return lower(btrim(p_purpose));
end
$$;

create or replace function app.register_kiosk_device(
    p_name text, p_location text, p_site text default 'main', p_department text default null,
    p_purpose text default 'attendance'
) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key text := app.new_kiosk_key();
    v_device app.kiosk_devices;
    v_purpose text;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_max_length('name', p_name, 200);
    perform app.require_max_length('location', p_location, 200);
    perform app.require_max_length('site', p_site, 64);
    perform app.require_max_length('department', p_department, 200);
    if coalesce(btrim(p_name), '') = '' or coalesce(btrim(p_location), '') = '' or coalesce(btrim(p_site), '') = '' then
        perform app.fail(422, 'INVALID_ARGUMENT', 'name, location and site are required.', '{"field": "name"}');
    end if;
    v_purpose := app.require_kiosk_purpose(p_purpose);
    insert into app.kiosk_devices (name, location, site, department, key_hash, key_prefix, created_by, purpose)
    values (
        btrim(p_name), btrim(p_location), btrim(p_site), nullif(btrim(p_department), ''),
        app.kiosk_key_hash(v_key), substr(v_key, 5, 12), app.current_actor(), v_purpose
    )
    returning * into v_device;
    perform app.audit('REGISTER_KIOSK_DEVICE', 'kiosk_device', v_device.id::text, null, null, null,
        app.kiosk_device_json(v_device));
    return app.kiosk_device_json(v_device) || jsonb_build_object('key', v_key);
end
$$;
comment on function app.register_kiosk_device(text, text, text, text, text) is
'hr_admin: register a reader (purpose attendance or event); the answer carries its API key, shown this once.';
grant execute on function app.register_kiosk_device(text, text, text, text, text) to hr_admin;

-- The device to change, locked; 404 when unknown.
create or replace function app.kiosk_device_for_update(p_device_id uuid) returns app.kiosk_devices
language plpgsql volatile
as $$
declare
    v_device app.kiosk_devices;
begin
    select * into v_device from app.kiosk_devices as d where d.id = p_device_id for update;
    if not found then
        perform app.fail(404, 'KIOSK_NOT_FOUND', 'No kiosk device has this id.');
    end if;
    return v_device;
end
$$;

-- Audit a change of a device (before and after, never the hash) and answer the device.
create or replace function app.kiosk_device_changed(
    p_action text, p_reason text, p_before app.kiosk_devices, p_after app.kiosk_devices
) returns jsonb
language plpgsql volatile
as $$
begin
    perform app.audit(p_action, 'kiosk_device', p_after.id::text, null, p_reason,
        app.kiosk_device_json(p_before), app.kiosk_device_json(p_after));
    return app.kiosk_device_json(p_after);
end
$$;

-- A new key; the old one stops working at once, and so do tokens minted
-- with it (they carry its key_prefix; app.check_kiosk_device compares).
create or replace function app.rotate_kiosk_key(p_device_id uuid, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key text := app.new_kiosk_key();
    v_before app.kiosk_devices;
    v_device app.kiosk_devices;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    v_before := app.kiosk_device_for_update(p_device_id);
    if v_before.revoked_at is not null then
        perform app.fail(409, 'KIOSK_REVOKED', 'A revoked device gets no new key: register it again.');
    end if;
    update app.kiosk_devices as d
    set key_hash = app.kiosk_key_hash(v_key), key_prefix = substr(v_key, 5, 12),
        key_rotated_at = now()
    where d.id = p_device_id
    returning * into v_device;
    return app.kiosk_device_changed('ROTATE_KIOSK_KEY', p_reason, v_before, v_device)
        || jsonb_build_object('key', v_key);
end
$$;
comment on function app.rotate_kiosk_key(uuid, text) is
'hr_admin: a new key for the device (shown once); the old key and tokens minted before stop working.';
grant execute on function app.rotate_kiosk_key(uuid, text) to hr_admin;

-- hr_admin changes what a reader is for (audited); effective from the next
-- scan (app.badge_scan reads the device row under the badge's lock). The same
-- purpose again changes nothing and writes no audit row.
create or replace function app.set_kiosk_device_purpose(p_device_id uuid, p_purpose text, p_reason text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_purpose text;
    v_before app.kiosk_devices;
    v_device app.kiosk_devices;
begin
    perform app.require_role(array['hr_admin']);
    v_purpose := app.require_kiosk_purpose(p_purpose);
    perform app.require_reason(p_reason);
    v_before := app.kiosk_device_for_update(p_device_id);
    if v_before.purpose = v_purpose then
        return app.kiosk_device_json(v_before);
    end if;
    update app.kiosk_devices as d set purpose = v_purpose
    where d.id = p_device_id
    returning * into v_device;
    return app.kiosk_device_changed('SET_KIOSK_DEVICE_PURPOSE', p_reason, v_before, v_device);
end
$$;
comment on function app.set_kiosk_device_purpose(uuid, text, text) is
'hr_admin: make a reader an attendance reader (scans punch) or an event reader (scans recorded, no punch).';
grant execute on function app.set_kiosk_device_purpose(uuid, text, text) to hr_admin;

create or replace function app.revoke_kiosk_device(p_device_id uuid, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_before app.kiosk_devices;
    v_device app.kiosk_devices;
begin
    perform app.require_role(array['hr_admin']);
    perform app.require_reason(p_reason);
    v_before := app.kiosk_device_for_update(p_device_id);
    if v_before.revoked_at is not null then
        return app.kiosk_device_json(v_before);  -- revoking twice changes nothing
    end if;
    update app.kiosk_devices as d
    set revoked_at = now(), revoked_by = app.current_actor(), revoke_reason = p_reason
    where d.id = p_device_id
    returning * into v_device;
    return app.kiosk_device_changed('REVOKE_KIOSK_DEVICE', p_reason, v_before, v_device);
end
$$;
comment on function app.revoke_kiosk_device(uuid, text) is
'hr_admin: revoke a device: its key no longer logs in and its tokens are refused (403 KIOSK_REVOKED).';
grant execute on function app.revoke_kiosk_device(uuid, text) to hr_admin;

create or replace function app.kiosk_devices_list() returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform app.require_role(array['hr_admin']);
    return (
        select coalesce(jsonb_agg(app.kiosk_device_json(d) order by d.site, d.location, d.name, d.id), '[]')
        from app.kiosk_devices as d
    );
end
$$;
grant execute on function app.kiosk_devices_list() to hr_admin;

-- Count one failed attempt for this bucket in the current minute, and forget
-- minutes that no longer matter (the table holds one row per real key prefix
-- and minute at most, plus the shared '-' bucket: it stays tiny).
create or replace function app.count_kiosk_login_failure(p_bucket text) returns void
language sql volatile
as $$
    delete from app.kiosk_login_failures where minute < date_trunc('minute', now()) - interval '10 minutes';
    insert into app.kiosk_login_failures (key_prefix, minute) values (p_bucket, date_trunc('minute', now()))
    on conflict (key_prefix, minute) do update set failures = app.kiosk_login_failures.failures + 1;
$$;

-- The key exchange: anon sends the key, gets a kiosk JWT (role kiosk,
-- kiosk_id = the device id, iat, exp = now + kiosk_token_ttl_seconds).
create or replace function app.kiosk_login(p_key text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_prefix text := substring(p_key from '^hxk_([0-9a-f]{12})_[0-9a-f]{64}$');
    v_bucket text := coalesce(v_prefix, '-');
    v_device app.kiosk_devices;
    v_now bigint := extract(epoch from date_trunc('second', now()))::bigint;
    v_ttl integer := app.setting_int('kiosk_token_ttl_seconds', 900, 60, 86400);
begin
    select * into v_device from app.kiosk_devices as d where d.key_prefix = v_prefix;
    if v_device.id is null then
        -- a prefix no device has shares the malformed keys' bucket: inventing prefixes buys no
        -- fresh attempts and adds no rows
        v_bucket := '-';
    end if;
    if coalesce((
        select f.failures from app.kiosk_login_failures as f
        where f.key_prefix = v_bucket and f.minute = date_trunc('minute', now())
    ), 0) >= app.setting_int('kiosk_login_max_failures_per_minute', 10, 1, 10000) then
        -- the same 429 as the rate limits' (app.rate_limit_hit): a Retry-After header too
        perform app.fail_http(
            429, 'RATE_LIMITED', 'Too many failed key attempts: try again next minute.',
            jsonb_build_object('retry_after_seconds', greatest(1, 60 - floor(extract(second from now())))::integer),
            jsonb_build_object('Retry-After', greatest(1, 60 - floor(extract(second from now())))::integer::text)
        );
    end if;
    if v_device.id is null or v_device.key_hash <> app.kiosk_key_hash(p_key) then
        perform app.count_kiosk_login_failure(v_bucket);
        return app.error_response(401, 'INVALID_KIOSK_KEY', 'This key is not valid.');
    end if;
    if v_device.revoked_at is not null then
        perform app.count_kiosk_login_failure(v_bucket);
        return app.error_response(403, 'KIOSK_REVOKED', 'This device has been revoked.');
    end if;
    update app.kiosk_devices as d set last_seen_at = now() where d.id = v_device.id;
    return jsonb_build_object(
        'token', app.jwt_sign(jsonb_build_object(
            'role', 'kiosk', 'kiosk_id', v_device.id, 'sub', 'kiosk:' || v_device.id,
            'key_prefix', v_device.key_prefix, 'iat', v_now, 'exp', v_now + v_ttl
        )),
        'kiosk_id', v_device.id,
        'expires_at', to_timestamp(v_now + v_ttl)
    );
end
$$;
comment on function app.kiosk_login(text) is
'anon: exchange a kiosk API key for a short-lived kiosk JWT; failures are counted and rate-limited.';
grant execute on function app.kiosk_login(text) to anon;

-- The device a kiosk token names: the one reading of the kiosk_id claim. The
-- kiosk_devices row (revoked ones too: the callers say why they refuse), or
-- null for another role, a claim that is not a device id, or an unknown device.
create or replace function app.current_kiosk_device() returns app.kiosk_devices
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id text := app.jwt_claims() ->> 'kiosk_id';
    v_device app.kiosk_devices;
begin
    if app.current_app_role() <> 'kiosk'
        or v_id is null
        or v_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        return null;
    end if;
    select * into v_device from app.kiosk_devices as d where d.id = v_id::uuid;
    return v_device;  -- all nulls when not found
end
$$;

-- The kiosk rules, for every kiosk call (the pre-request and each kiosk
-- function, so a direct call obeys them too): the token names a registered
-- device, not revoked, and was not minted with a key rotated out since (a
-- token without key_prefix was minted by an operator holding the secret:
-- `hithonix token`). Returns the device.
create or replace function app.require_kiosk_device() returns app.kiosk_devices
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_device app.kiosk_devices := app.current_kiosk_device();
begin
    if v_device.id is null then
        perform app.fail(401, 'NOT_AUTHENTICATED', 'A kiosk token must name a registered device (kiosk_id).');
    end if;
    if v_device.revoked_at is not null then
        perform app.fail(403, 'KIOSK_REVOKED', 'This kiosk device has been revoked.');
    end if;
    -- kiosk_login puts the key's prefix in the token: a token of a rotated-out key is refused
    if app.jwt_claims() ->> 'key_prefix' is distinct from v_device.key_prefix
        and app.jwt_claims() ? 'key_prefix' then
        perform app.fail(401, 'KIOSK_TOKEN_STALE', 'The device''s key was rotated after this token was issued.');
    end if;
    return v_device;
end
$$;

-- The pre-request check of kiosk tokens (app.require_kiosk_device). last_seen_at
-- is written at most once a minute, and never in a read-only transaction (GETs).
create or replace function app.check_kiosk_device() returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_device app.kiosk_devices;
begin
    if app.current_app_role() <> 'kiosk' then
        return;
    end if;
    v_device := app.require_kiosk_device();
    if (v_device.last_seen_at is null or v_device.last_seen_at < now() - interval '1 minute')
        and pg_catalog.current_setting('transaction_read_only') = 'off' then
        update app.kiosk_devices as d set last_seen_at = now() where d.id = v_device.id;
    end if;
end
$$;
comment on function app.check_kiosk_device() is
'Pre-request: refuse kiosk tokens of unknown (401), revoked (403 KIOSK_REVOKED) or re-keyed (401) devices.';
