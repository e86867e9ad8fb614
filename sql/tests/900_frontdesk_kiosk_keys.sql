-- Kiosk devices and keys (issue 15), each rule with its attack: an employee
-- or approver registering a device, a revoked device's token, a token of a
-- rotated-out key, a wrong key, the secret and the key hashes read by a
-- client role, a kiosk reading rows.
begin;
select plan(23);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('asha@example.com', null, 'approver') as asha \gset
select tests.create_employee('kim@example.com') as kim \gset

-- only hr_admin registers
select tests.authenticate_as('employee', :'kim');
select throws_ok(
    $$select api.register_kiosk_device('Mine', 'My desk')$$, '42501', null,
    'an employee cannot register a device (no EXECUTE)'
);
select throws_ok(
    $$select app.register_kiosk_device('Mine', 'My desk')$$, '42501', null,
    'nor call the app function behind it'
);
select tests.clear_authentication();
select tests.authenticate_as('approver', :'asha');
select throws_ok(
    $$select api.register_kiosk_device('Mine', 'My desk')$$, '42501', null, 'an approver cannot either'
);
select tests.clear_authentication();
select tests.authenticate_as('employee', :'kim', '{"role": "hr_admin"}');
select throws_ok($$select app.pre_request()$$, 'PT403', 'FORBIDDEN', 'nor an employee with a forged hr_admin token');
select tests.clear_authentication();

select tests.authenticate_as('hr_admin', :'hr');
select api.register_kiosk_device('Lobby reader', 'Lobby', 'main', 'Ops') as dev \gset
select ok(:'dev'::jsonb ->> 'key' ~ '^hxk_[0-9a-f]{12}_[0-9a-f]{64}$', 'the key is shown once, at registration');
select is((:'dev'::jsonb ->> 'key_hash'), null, 'the answer never carries the hash');
select throws_ok(
    $$select api.register_kiosk_device(repeat('x', 201), 'Lobby')$$, 'PT422', 'INVALID_ARGUMENT',
    'a 201-character name is a 422'
);
select throws_ok(
    $$select api.register_kiosk_device('  ', 'Lobby')$$, 'PT422', 'INVALID_ARGUMENT', 'a blank name is a 422'
);
select tests.clear_authentication();

select is(
    (select key_hash from app.kiosk_devices where id = (:'dev'::jsonb ->> 'id')::uuid),
    encode(digest(:'dev'::jsonb ->> 'key', 'sha256'), 'hex'),
    'only the key''s sha256 is stored'
);

-- login as anon
select tests.authenticate_as('anon');
select api.kiosk_login(:'dev'::jsonb ->> 'key') as login \gset
select ok(:'login'::jsonb ->> 'token' ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$', 'the key buys a JWT');
select is(
    convert_from(decode(translate(split_part(:'login'::jsonb ->> 'token', '.', 2), '-_', '+/')
        || repeat('=', (4 - length(split_part(:'login'::jsonb ->> 'token', '.', 2)) % 4) % 4), 'base64'), 'UTF8')::jsonb
        - 'iat' - 'exp',
    jsonb_build_object(
        'role', 'kiosk', 'kiosk_id', :'dev'::jsonb ->> 'id', 'sub', 'kiosk:' || (:'dev'::jsonb ->> 'id'),
        'key_prefix', :'dev'::jsonb ->> 'key_prefix'
    ),
    'its claims: role kiosk, kiosk_id = the device, the key''s prefix'
);
select is(
    api.kiosk_login('hxk_' || (:'dev'::jsonb ->> 'key_prefix') || '_' || repeat('0', 64)) ->> 'message',
    'INVALID_KIOSK_KEY', 'a wrong key of a real prefix is refused'
);
select is(current_setting('response.status'), '401', '… with HTTP 401');
select throws_ok($$select * from app.jwt_signing_key$$, '42501', null, 'anon cannot read the secret');
select throws_ok($$select key_hash from app.kiosk_devices$$, '42501', null, 'nor the key hashes');
select throws_ok($$select app.jwt_sign('{"role": "hr_admin"}')$$, '42501', null, 'nor sign its own claims');
select tests.clear_authentication();

-- a kiosk token: checked by the pre-request; reads nothing
select tests.authenticate_as('kiosk', null, jsonb_build_object(
    'kiosk_id', :'dev'::jsonb ->> 'id', 'key_prefix', :'dev'::jsonb ->> 'key_prefix'
));
select lives_ok($$select app.pre_request()$$, 'the device''s token passes the pre-request');
select throws_ok($$select * from app.kiosk_devices$$, '42501', null, 'a kiosk cannot read the devices');
select throws_ok($$select * from app.badge_scans$$, '42501', null, 'nor the scans');
select throws_ok($$select api.presence()$$, '42501', null, 'nor the presence board');
select tests.clear_authentication();

-- rotate: the old key's token dies; revoke: every token dies
select tests.authenticate_as('hr_admin', :'hr');
select api.rotate_kiosk_key((:'dev'::jsonb ->> 'id')::uuid, 'key leaked') as rotated \gset
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object(
    'kiosk_id', :'dev'::jsonb ->> 'id', 'key_prefix', :'dev'::jsonb ->> 'key_prefix'
));
select throws_ok($$select app.pre_request()$$, 'PT401', 'KIOSK_TOKEN_STALE', 'a token of the rotated-out key is refused');
select tests.clear_authentication();
select tests.authenticate_as('hr_admin', :'hr');
select api.revoke_kiosk_device((:'dev'::jsonb ->> 'id')::uuid, 'stolen') is not null;
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, jsonb_build_object(
    'kiosk_id', :'dev'::jsonb ->> 'id', 'key_prefix', :'rotated'::jsonb ->> 'key_prefix'
));
select throws_ok($$select app.pre_request()$$, 'PT403', 'KIOSK_REVOKED', 'a revoked device''s token is refused');
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "lobby-1"}');
select throws_ok($$select app.pre_request()$$, 'PT401', 'NOT_AUTHENTICATED', 'a token naming no registered device is refused');
select tests.clear_authentication();

select * from finish();
rollback;
