-- IP allow-list in the pre-request function: the client address is the N-th
-- X-Forwarded-For entry from the right for N trusted proxies; outside the
-- list a role it applies to is refused 403 IP_NOT_ALLOWED; an empty list
-- checks nothing. Attacks: a spoofed X-Forwarded-For with no trusted proxy, a
-- spoofed entry prepended in front of the proxy's, a header too short.
begin;
select plan(17);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('max@example.com') as max \gset

create function pg_temp.request(
    p_role text, p_emp uuid, p_forwarded_for text, p_claims jsonb default '{}', p_path text default '/rpc/upsert_employee'
) returns text
language plpgsql as $$
begin
    perform tests.authenticate_as(p_role, p_emp, p_claims);
    perform set_config('request.method', 'POST', true);
    perform set_config('request.path', p_path, true);
    perform set_config(
        'request.headers',
        case when p_forwarded_for is null then '{}' else jsonb_build_object('x-forwarded-for', p_forwarded_for)::text end,
        true
    );
    perform app.pre_request();
    perform tests.clear_authentication();
    return 'ok';
exception when others then
    perform tests.clear_authentication();
    return sqlstate || ' ' || sqlerrm;
end
$$;

select is(pg_temp.request('hr_admin', :'hr', '203.0.113.9'), 'ok', 'an empty allow-list checks nothing');

select tests.set_setting('ip_allowlist', '["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"]');
select tests.set_setting('trusted_proxies', '0');
select is(
    pg_temp.request('hr_admin', :'hr', '10.1.2.3'), 'PT403 IP_NOT_ALLOWED',
    'attack: a spoofed X-Forwarded-For inside the list, with no trusted proxy, is refused'
);
select is(pg_temp.request('hr_admin', :'hr', null), 'PT403 IP_NOT_ALLOWED', 'no header, no address: refused');

select tests.set_setting('trusted_proxies', '1');
select is(pg_temp.request('hr_admin', :'hr', '10.1.2.3'), 'ok', 'one trusted proxy: its entry is the client, inside the list');
select is(pg_temp.request('hr_admin', :'hr', '192.168.1.77'), 'ok', 'another listed range');
select is(pg_temp.request('hr_admin', :'hr', '2001:db8::1'), 'ok', 'IPv6');
select is(
    pg_temp.request('hr_admin', :'hr', '10.1.2.3, 203.0.113.9'), 'PT403 IP_NOT_ALLOWED',
    'attack: a listed address prepended by the client in front of the proxy''s entry does not count'
);
select is(pg_temp.request('hr_admin', :'hr', 'not-an-ip'), 'PT403 IP_NOT_ALLOWED', 'garbage: refused');
select is(pg_temp.request('employee', :'max', '203.0.113.9'), 'ok', 'roles outside ip_allowlist_roles are not checked');

select tests.set_setting('trusted_proxies', '2');
select is(
    pg_temp.request('hr_admin', :'hr', '10.1.2.3, 203.0.113.9, 172.16.0.1'), 'PT403 IP_NOT_ALLOWED',
    'two proxies: the second entry from the right is the client (the listed 10.1.2.3 is what the client wrote)'
);
select is(pg_temp.request('hr_admin', :'hr', '198.51.100.1, 10.1.2.3, 172.16.0.1'), 'ok', 'the client is 10.1.2.3');
select is(pg_temp.request('hr_admin', :'hr', '10.1.2.3'), 'PT403 IP_NOT_ALLOWED', 'fewer entries than trusted proxies: refused');

select tests.set_setting('ip_allowlist_roles', '["hr_admin", "employee"]');
select is(pg_temp.request('employee', :'max', '1.1.1.1, 10.0.0.1, 172.16.0.1'), 'ok', 'the list applies to the roles named');
-- the employee roles learn whether a list is set with their identity check
-- (app.pre_request); any other role asks app.require_allowed_ip itself
select is(
    pg_temp.request('employee', :'max', '10.0.0.1, 203.0.113.9, 172.16.0.1'), 'PT403 IP_NOT_ALLOWED',
    'attack: an employee outside the list, once it applies to employees, is refused'
);
select tests.set_setting('ip_allowlist_roles', '["kiosk"]');
select tests.authenticate_as('hr_admin', :'hr');
select api.register_kiosk_device('Lobby reader', 'Lobby', 'main', 'Ops') as dev \gset
select tests.clear_authentication();
create function pg_temp.kiosk_request(p_device jsonb, p_forwarded_for text) returns text
language sql as $$
    select pg_temp.request(
        'kiosk', null, p_forwarded_for,
        jsonb_build_object('kiosk_id', p_device ->> 'id', 'key_prefix', p_device ->> 'key_prefix'), '/rpc/kiosk_punch'
    )
$$;
select is(
    pg_temp.kiosk_request(:'dev', '10.0.0.1, 203.0.113.9, 172.16.0.1'), 'PT403 IP_NOT_ALLOWED',
    'attack: a kiosk outside the list, once it applies to kiosks, is refused'
);
select is(pg_temp.kiosk_request(:'dev', '1.1.1.1, 10.0.0.1, 172.16.0.1'), 'ok', 'a kiosk inside the list');

select throws_ok(
    $$update app.settings set value = '["10.0.0.0/8", "example.com"]' where key = 'ip_allowlist'$$,
    'PT422', 'INVALID_ARGUMENT', 'a list that is not CIDRs is refused when written'
);

select * from finish();
rollback;
