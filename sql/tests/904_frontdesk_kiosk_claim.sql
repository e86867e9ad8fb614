-- The kiosk token's device claim is read in one place
-- (app.current_kiosk_device), and every kiosk function holds the same device
-- rules (app.require_kiosk_device) even when called without the pre-request.
-- Attacks: a revoked reader's token and a token of a rotated-out key calling
-- badge_scan, kiosk_punch and visitor_sign_in directly; a malformed claim.
begin;
select plan(11);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.authenticate_as('hr_admin', :'hr');
select api.register_kiosk_device('Lobby reader', 'Lobby', 'main') as dev \gset
select api.register_kiosk_device('Side reader', 'Side door', 'main') as side \gset
select api.rotate_kiosk_key((:'side'::jsonb ->> 'id')::uuid, 'key leaked') is not null as ok \gset
select api.revoke_kiosk_device((:'dev'::jsonb ->> 'id')::uuid, 'stolen') is not null as ok \gset
select tests.clear_authentication();

-- the revoked reader, straight at the functions (no pre-request)
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'dev'::jsonb ->> 'id'));
select throws_ok($$select api.badge_scan('B-kim')$$, 'PT403', 'KIOSK_REVOKED', 'a revoked reader cannot scan a badge');
select throws_ok(
    $$select api.kiosk_punch('B-kim', 'CLOCK_IN', 'k-1')$$, 'PT403', 'KIOSK_REVOKED', 'nor punch'
);
select throws_ok(
    format($$select api.visitor_sign_in('Eve', %L)$$, :'kim'), 'PT403', 'KIOSK_REVOKED', 'nor sign a visitor in'
);
-- the same device named in upper case: the same device, the same refusal
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', upper(:'dev'::jsonb ->> 'id')));
select throws_ok($$select api.badge_scan('B-kim')$$, 'PT403', 'KIOSK_REVOKED', 'whatever the claim''s letter case');
select tests.clear_authentication();

-- a token minted with the side reader's rotated-out key
select tests.authenticate_as('kiosk', null, jsonb_build_object(
    'kiosk_id', :'side'::jsonb ->> 'id', 'key_prefix', :'side'::jsonb ->> 'key_prefix'
));
select throws_ok($$select api.badge_scan('B-kim')$$, 'PT401', 'KIOSK_TOKEN_STALE', 'a stale key''s token cannot scan');
select throws_ok(
    format($$select api.visitor_sign_in('Eve', %L)$$, :'kim'), 'PT401', 'KIOSK_TOKEN_STALE', 'nor sign a visitor in'
);
-- a claim that is not a device id
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "lobby-1"}');
select throws_ok($$select api.badge_scan('B-kim')$$, 'PT401', 'NOT_AUTHENTICATED', 'a claim naming no device cannot scan');
select throws_ok(
    $$select api.kiosk_punch('B-kim', 'CLOCK_IN', 'k-2')$$, 'PT401', 'NOT_AUTHENTICATED', 'nor punch'
);
select tests.clear_authentication();

select is((select count(*)::integer from app.badge_scans), 0, 'no scan was recorded');
select is((select count(*)::integer from app.attendance_events where employee_id = :'kim'), 0, 'and nobody punched');

-- one reading of the claim: no other app function looks a device up by it
select is(
    (select array_agg(p.proname::text order by p.proname)
     from pg_proc as p
     where p.pronamespace = 'app'::regnamespace and p.prosrc ~ $re$->>\s*'kiosk_id'$re$),
    array['current_actor', 'current_kiosk_device', 'rate_limit_actor'],
    'only app.current_kiosk_device reads the kiosk_id claim (current_actor and rate_limit_actor only name the caller)'
);

select * from finish();
rollback;
