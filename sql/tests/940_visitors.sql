-- Visitors: hr_admin and kiosks sign visitors in and out, the host is notified
-- in the same transaction, a host reads only their own visitors, the kiosk and
-- other employees read nothing, a temporary badge has one holder at a time,
-- a visitor left signed in is flagged, and personal data is gone after
-- visitor_retention_days (served masked before the purge runs, then purged,
-- audited without a name, the host's notice removed).
begin;
select plan(37);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('host@example.com') as host \gset
select tests.create_employee('other@example.com') as other \gset
select tests.create_employee('gone@example.com') as gone \gset
update app.employees set employment_status = 'INACTIVE' where id = :'gone';
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
values ('North desk', 'North lobby', 'north', repeat('a', 64), repeat('a', 12), 'test') returning id as north_kiosk \gset
insert into app.kiosk_devices (name, location, site, key_hash, key_prefix, created_by)
values ('South desk', 'South lobby', 'south', repeat('b', 64), repeat('b', 12), 'test') returning id as south_kiosk \gset

-- hr_admin at the desk
select tests.authenticate_as('hr_admin', :'hr');
select api.visitor_sign_in('Asha Rao', :'host', 'Acme Ltd', 'Contract review', 'V-01') as first \gset
select is((:'first'::jsonb) ->> 'name', 'Asha Rao', 'hr_admin signs a visitor in and gets the visitor back');
select tests.clear_authentication();
select is(
    (select count(*)::integer from pgmq.q_notifications
     where message ->> 'kind' = 'VISITOR_ARRIVED' and message ->> 'employee_id' = :'host'
       and message ->> 'text' like '%Asha Rao (Acme Ltd)%'),
    1, 'the host is notified on the notification outbox'
);
select is(
    (select count(*)::integer from app.audit_logs where action = 'VISITOR_SIGN_IN' and entity_id = (:'first'::jsonb ->> 'id')),
    1, 'the sign-in is audited'
);

-- a kiosk signs one in at its own site (whatever site it sends); a rolled-back sign-in leaves no notice
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'north_kiosk'));
select api.visitor_sign_in('Ben Ortiz', :'host', null, 'Interview', null, 'south') ->> 'id' as ben \gset
select throws_ok(
    $$select * from api.visitors$$, '42501', null, 'the kiosk cannot read the visitor list'
);
select throws_ok(
    $$select * from app.visitors$$, '42501', null, 'the kiosk cannot read the visitors table'
);
select tests.clear_authentication();
select is(
    (select row(signed_in_by, site)::text from app.visitors where id = :ben), row('kiosk:' || :'north_kiosk', 'north')::text,
    'a kiosk signs a visitor in at its own site, recorded as its actor'
);
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'south_kiosk'));
select throws_ok(
    format($$select api.visitor_sign_out(%s)$$, :ben), 'PT404', 'VISITOR_NOT_FOUND',
    'a kiosk cannot sign out a visitor of another site'
);
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "desk-1"}');
select throws_ok(
    format($$select api.visitor_sign_in('Eve', %L)$$, :'host'), 'PT401', 'NOT_AUTHENTICATED',
    'a kiosk token naming no registered device signs nobody in'
);
select tests.clear_authentication();
select count(*) as msgs_before from pgmq.q_notifications \gset
savepoint before_sign_in;
select tests.authenticate_as('hr_admin', :'hr');
select api.visitor_sign_in('Rolled Back', :'host') is not null as rolled_back \gset
rollback to savepoint before_sign_in;
select is((select count(*) from pgmq.q_notifications), :'msgs_before'::bigint, 'a rolled-back sign-in leaves no notice');

-- refusals
select tests.authenticate_as('employee', :'other');
select throws_ok(
    format($$select api.visitor_sign_in('Eve', %L)$$, :'other'), '42501', null, 'an employee cannot sign visitors in'
);
select throws_ok(
    format($$select app.visitor_sign_in('Eve', %L)$$, :'other'), '42501', null,
    'nor through the app function'
);
select throws_ok(
    format($$select api.visitor_sign_out(%s)$$, :ben), '42501', null, 'an employee cannot sign visitors out'
);
select throws_ok(
    $$update app.visitors set name = 'x'$$, '42501', null, 'no client writes the table'
);
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    format($$select api.visitor_sign_in('  ', %L)$$, :'host'), 'PT422', 'INVALID_ARGUMENT', 'a name is required'
);
select throws_ok(
    format($$select api.visitor_sign_in(%L, %L)$$, repeat('n', 201), :'host'), 'PT422', 'INVALID_ARGUMENT',
    'the name is bounded'
);
select throws_ok(
    $$select api.visitor_sign_in('Eve', gen_random_uuid())$$, 'PT404', 'EMPLOYEE_NOT_FOUND', 'an unknown host is 404'
);
select throws_ok(
    format($$select api.visitor_sign_in('Eve', %L)$$, :'gone'), 'PT422', 'INVALID_ARGUMENT',
    'an inactive host is refused'
);
select throws_ok(
    format($$select api.visitor_sign_in('Carl', %L, null, null, 'V-01')$$, :'host'), 'PT409', 'BADGE_IN_USE',
    'a temporary badge held by a signed-in visitor cannot be handed out again'
);

-- sign-out, once
select is(
    api.visitor_sign_out((:'first'::jsonb ->> 'id')::bigint) ->> 'signed_out_at' is not null, true,
    'hr_admin signs the visitor out'
);
select throws_ok(
    format($$select api.visitor_sign_out(%s)$$, :'first'::jsonb ->> 'id'), 'PT409', 'VISITOR_ALREADY_SIGNED_OUT',
    'a second sign-out is refused'
);
select throws_ok($$select api.visitor_sign_out(-1)$$, 'PT404', 'VISITOR_NOT_FOUND', 'an unknown visitor is 404');
select lives_ok(
    format($$select api.visitor_sign_in('Carl', %L, null, null, 'V-01')$$, :'host'),
    'the badge is free again once its holder signed out'
);

-- who reads what
select tests.authenticate_as('employee', :'host');
select is((select count(*)::integer from api.visitors), 3, 'the host reads their own visitors');
select tests.authenticate_as('employee', :'other');
select is((select count(*)::integer from api.visitors), 0, 'another employee reads none');
select tests.clear_authentication();

-- still signed in at the end of the day: yesterday's visitor is flagged, today's not before the day end
insert into app.visitors (name, host_employee_id, signed_in_at, signed_in_by)
values ('Late Larry', :'host', now() - interval '1 day', 'test');
select tests.set_setting('visitor_day_end', '"23:59"');
select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select still_in_after_day_end from api.visitors where name = 'Late Larry'), true,
    'a visitor signed in yesterday and still in is flagged'
);
select is(
    (select still_in_after_day_end from api.visitors where name = 'Ben Ortiz'), app.ist_wall_clock(now())::time >= '23:59',
    'a visitor signed in today is flagged only after visitor_day_end'
);
select tests.clear_authentication();

-- retention: a visitor from 40 days ago, still signed in (retention 30 days)
insert into app.visitors (name, company, purpose, badge_code, host_employee_id, signed_in_at, signed_in_by)
values ('Old Olga', 'Oldco', 'Audit', 'V-OLD', :'host', now() - interval '40 days', 'test')
returning id as olga \gset
select app.enqueue_notification(:'host', 'VISITOR_ARRIVED', 'Your visitor Old Olga has signed in.',
    jsonb_build_object('visitor_id', :olga), 'visitor_arrived:' || :olga) as olga_msg \gset
select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select row(name, company, purpose, badge_code)::text from api.visitors where id = :olga), '(,,,)',
    'past retention, personal data is not served even before the purge ran'
);
select is(
    (select row(v ->> 'name', v ->> 'company', v ->> 'purpose', v ->> 'badge_code')::text
     from api.visitor_sign_out(:olga) as v),
    '(,,,)', 'nor in an answer (the same mask)'
);
select tests.clear_authentication();
select is(
    (select array_agg(p.proname::text order by p.proname) from pg_proc as p
     where p.pronamespace in ('app'::regnamespace, 'api'::regnamespace)
        and p.prosrc like '%visitor_retention()%')
    || (select array_agg(c.relname::text) from pg_class as c
        where c.relnamespace = 'api'::regnamespace and c.relkind = 'v'
            and pg_get_viewdef(c.oid) like '%visitor_retention()%'),
    array['purge_visitors_v1', 'visitor_masked'],
    'one mask: only app.visitor_masked (and the purge) read the retention cutoff'
);

set local role hithonix_worker;
select is(app.purge_visitors_v1() ->> 'purged', '1', 'the purge job nulls the one visitor past retention');
select is(app.purge_visitors_v1() ->> 'purged', '0', 'a second run purges nothing');
reset role;
select is(
    (select row(name, company, purpose, badge_code, purged_at is not null)::text from app.visitors where id = :olga),
    '(,,,,t)', 'the stored row holds no personal data after the purge'
);
select is(
    (select count(*)::integer from pgmq.q_notifications where message #>> '{context,visitor_id}' = :olga::text),
    0, 'the host''s notice naming the visitor is gone too'
);
select is(
    (select count(*)::integer from app.audit_logs
     where action = 'VISITOR_PURGE' and after -> 'visitor_ids' @> to_jsonb(:olga::bigint)),
    1, 'the purge is audited with ids'
);
select is(
    (select count(*)::integer from app.audit_logs where after::text like '%Asha%' or after::text like '%Olga%'),
    0, 'no audit row carries a visitor''s name (it could not be purged from an append-only trail)'
);
select throws_ok(
    format($$update app.visitors set name = 'Olga again' where id = %s$$, :olga), '23514', null,
    'a purged row cannot get a name back'
);
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok($$select app.purge_visitors_v1()$$, '42501', null, 'only the worker runs the purge');

select * from finish();
rollback;
