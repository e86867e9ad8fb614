-- The security alerts' kinds are one list (app.security_alert_kinds): the
-- alerts' foreign key and the status a refused scan answers both read it.
-- Attacks: an alert of a kind not in the list, a client role writing the list.
begin;
select plan(6);

select is(
    (select array_agg(distinct app.scan_refusal_status(k.kind)) from app.security_alert_kinds as k),
    array[403], 'every listed kind answers 403'
);
select is(
    (select count(*)::integer from app.security_alert_kinds), 6, 'the six kinds of issue 15 are listed'
);
select is(app.scan_refusal_status('ALREADY_CLOCKED_IN'), 409, 'a punch rule''s code answers 409');
-- a kind added to the list is a security refusal at once: no second list to edit
insert into app.security_alert_kinds (kind, description) values ('TAILGATING', 'Two people on one badge.');
select is(app.scan_refusal_status('TAILGATING'), 403, 'a kind added to the list answers 403 without a code change');
select throws_ok(
    $$insert into app.security_alerts (kind, detail) values ('MADE_UP', 'x')$$, '23503', null,
    'an alert of a kind not in the list is refused, for every writer'
);
select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.authenticate_as('hr_admin', :'hr');
select throws_ok(
    $$insert into app.security_alert_kinds (kind, description) values ('NOISE', 'x')$$, '42501', null,
    'hr_admin cannot write the list'
);
select tests.clear_authentication();

select * from finish();
rollback;
