-- The host's notice when a visitor is still signed in after the expected end
-- of the visit (visitor_day_end of the sign-in day, or an earlier day): one
-- VISITOR_OVERSTAYED notice on the notification outbox per visitor, once,
-- never for a visitor who signed out or is not due yet; the purge removes it
-- with the visitor's data. Attacks: a client role (hr_admin, a host, a kiosk)
-- calling the worker's function; a second run announcing again.
begin;
select plan(10);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('host@example.com') as host \gset
select tests.create_employee('other@example.com') as other \gset

-- ann came yesterday and is still in; bo came today and is still in; cy came yesterday and left
insert into app.visitors (name, company, host_employee_id, signed_in_at, signed_in_by)
values ('Ann Lee', 'Acme', :'host', now() - interval '1 day', 'test') returning id as ann \gset
insert into app.visitors (name, host_employee_id, signed_in_at, signed_in_by)
values ('Bo Chen', :'other', now() - interval '1 minute', 'test') returning id as bo \gset
insert into app.visitors (name, host_employee_id, signed_in_at, signed_in_by, signed_out_at, signed_out_by)
values ('Cy Park', :'host', now() - interval '1 day', 'test', now() - interval '20 hours', 'test')
returning id as cy \gset
-- the day ends at 23:59: bo is not due yet (unless this runs in the last minute of an IST day)
select tests.set_setting('visitor_day_end', '"23:59"');

select tests.authenticate_as('hr_admin', :'hr');
select throws_ok($$select app.notify_visitor_overstays_v1()$$, '42501', null, 'hr_admin cannot run the worker''s job');
select tests.authenticate_as('employee', :'host');
select throws_ok($$select app.notify_visitor_overstays_v1()$$, '42501', null, 'nor a host');
select tests.clear_authentication();

set local role hithonix_worker;
select is(
    (app.notify_visitor_overstays_v1() ->> 'notified')::integer,
    case when app.ist_wall_clock(now())::time >= '23:59' then 2 else 1 end,
    'the job announces the visitor still in from yesterday (not the one who left, not one not due)'
);
reset role;
select is(
    (select array_agg(message ->> 'employee_id' || '/' || (message #>> '{context,visitor_id}')) from pgmq.q_notifications
     where message ->> 'kind' = 'VISITOR_OVERSTAYED' and message #>> '{context,visitor_id}' = :'ann'),
    array[:'host' || '/' || :'ann'], 'one notice, to the host, naming the visitor by id'
);
select ok(
    (select message ->> 'text' from pgmq.q_notifications
     where message ->> 'kind' = 'VISITOR_OVERSTAYED' and message #>> '{context,visitor_id}' = :'ann')
    like 'Your visitor Ann Lee (Acme) is still signed in at main%',
    'the host reads who and where'
);
select is(
    (select count(*)::integer from pgmq.q_notifications
     where message ->> 'kind' = 'VISITOR_OVERSTAYED' and message #>> '{context,visitor_id}' = :'cy'),
    0, 'no notice for a visitor who signed out'
);

-- once: the notice delivered (archived) or not, a second run announces nobody again
select pgmq.archive('notifications', msg_id) from pgmq.q_notifications where message ->> 'kind' = 'VISITOR_OVERSTAYED';
set local role hithonix_worker;
select is((app.notify_visitor_overstays_v1() ->> 'notified')::integer, 0, 'a second run announces nobody again');
reset role;

-- now bo is due too (the day ended at 00:00)
select tests.set_setting('visitor_day_end', '"00:00"');
set local role hithonix_worker;
select is((app.notify_visitor_overstays_v1() ->> 'notified')::integer,
    case when app.ist_wall_clock(now())::time >= '23:59' then 0 else 1 end,
    'a visitor still in after the day''s end is announced at the next run');
reset role;
select is(
    (select count(*)::integer from app.audit_logs where action = 'VISITOR_OVERSTAY_NOTICE'
     and not (after::text ~ 'Ann|Bo')),
    2, 'each batch is audited with ids only'
);

-- the purge takes the notice naming the visitor with it
update app.visitors set signed_in_at = now() - interval '40 days' where id = :ann;
set local role hithonix_worker;
select app.purge_visitors_v1() is not null as ok \gset
reset role;
select is(
    (select count(*)::integer from pgmq.a_notifications
     where message ->> 'kind' = 'VISITOR_OVERSTAYED' and message #>> '{context,visitor_id}' = :'ann'),
    0, 'the purge removes the overstay notice naming a purged visitor'
);

select * from finish();
rollback;
