-- A badge nobody may use is refused the same way at a reader's scan
-- (badge_scan) and at a kiosk's explicit punch (kiosk_punch): one rule
-- (app.badge_holder), the same 403 answer with the alert's kind, a REFUSED
-- scan row and a security alert that commit (a body with response.status,
-- not an exception), and no punch. Attacks: an unknown badge, a lost one, a
-- revoked one, a returned (unheld) one, an inactive holder's.
begin;
select plan(8);

select tests.set_setting('badge_double_scan_seconds', '0');
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('lee@example.com') as lee \gset
select tests.create_employee('max@example.com') as max \gset
select tests.create_employee('ned@example.com') as ned \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.authenticate_as('hr_admin', :'hr');
select api.register_kiosk_device('Lobby reader', 'Lobby', 'main') ->> 'id' as lobby \gset
select api.report_badge_lost('B-lee', 'lost on the bus') is not null as ok \gset
select api.revoke_badge('B-max', 'contract ended') is not null as ok \gset
select api.return_badge('B-ned', 'left the team') is not null as ok \gset
select tests.clear_authentication();
update app.employees set employment_status = 'INACTIVE' where id = :'kim';

create temporary table answers (via text, code text, message text, status text) on commit drop;
grant insert on answers to kiosk;
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
insert into answers
select 'scan', c, a ->> 'message', current_setting('response.status', true)
from unnest(array['B-ghost', 'B-lee', 'B-max', 'B-ned', 'B-kim']) as c, lateral api.badge_scan(c) as a;
insert into answers
select 'punch', c, a ->> 'message', current_setting('response.status', true)
from unnest(array['B-ghost', 'B-lee', 'B-max', 'B-ned', 'B-kim']) as c,
    lateral api.kiosk_punch(c, 'CLOCK_IN', 'key-' || c) as a;
select tests.clear_authentication();

select is(
    (select array_agg(code || '/' || message || '/' || status order by code) from answers where via = 'scan'),
    array[
        'B-ghost/UNKNOWN_BADGE/403', 'B-kim/INACTIVE_EMPLOYEE/403', 'B-lee/LOST_BADGE/403',
        'B-max/REVOKED_BADGE/403', 'B-ned/UNASSIGNED_BADGE/403'
    ],
    'the scan refuses each badge with its kind (403)'
);
select is(
    (select array_agg(code || '/' || message || '/' || status order by code) from answers where via = 'punch'),
    (select array_agg(code || '/' || message || '/' || status order by code) from answers where via = 'scan'),
    'kiosk_punch answers each one exactly as the scan does'
);
select is(
    (select array_agg(kind || '/' || badge_code order by kind, badge_code) from app.security_alerts),
    array[
        'INACTIVE_EMPLOYEE/B-kim', 'INACTIVE_EMPLOYEE/B-kim', 'LOST_BADGE/B-lee', 'LOST_BADGE/B-lee',
        'REVOKED_BADGE/B-max', 'REVOKED_BADGE/B-max', 'UNASSIGNED_BADGE/B-ned', 'UNASSIGNED_BADGE/B-ned',
        'UNKNOWN_BADGE/B-ghost', 'UNKNOWN_BADGE/B-ghost'
    ],
    'both raise one security alert per refusal'
);
select is(
    (select count(*)::integer from app.security_alerts as a
     inner join app.badge_scans as s on a.scan_id = s.id
     where s.outcome = 'REFUSED' and s.refusal = a.kind and a.device_id = :'lobby'::uuid),
    10, 'each alert names its REFUSED scan at the reader'
);
select is(
    (select employee_id from app.badge_scans where badge_code = 'B-kim' group by employee_id),
    :'kim'::uuid, 'an inactive holder is named on the refused scans'
);
select is((select count(*)::integer from app.attendance_events), 0, 'nobody punched');
select tests.authenticate_as('kiosk', null, jsonb_build_object('kiosk_id', :'lobby'));
select throws_ok(
    $$select api.kiosk_punch(null, 'CLOCK_IN')$$, 'PT422', 'INVALID_ARGUMENT', 'a missing badge is a 422, not a 500'
);
select throws_ok(
    format($$select api.kiosk_punch(%L, 'CLOCK_IN')$$, repeat('b', 65)), 'PT422', 'INVALID_ARGUMENT',
    'a 65-character badge is a 422'
);
select tests.clear_authentication();

select * from finish();
rollback;
