-- employees.badge_id is a cache of the employee's current badge holding
-- (app.badge_assignments is the truth; trigger _910_badge_mirror). Through
-- every path (assign, reassign, return, lost, revoke, upsert_employee's
-- badge_id) the cache equals the holdings. Attacks: the owner ending or
-- adding a holding directly, bypassing the badge functions.
begin;
select plan(13);

select tests.create_employee('hr@example.com', null, 'hr_admin') as hr \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.create_employee('lee@example.com') as lee \gset
select tests.create_employee('max@example.com') as max \gset
select tests.create_employee('ned@example.com') as ned \gset

select is((select count(*)::integer from app.badge_mirror_differences()), 0, 'created with a badge: cache = holdings');

select tests.authenticate_as('hr_admin', :'hr');
select api.assign_badge('B-new', :'kim') is not null as ok \gset
select api.return_badge('B-lee', 'left the team') is not null as ok \gset
select api.report_badge_lost('B-max', 'lost on the bus') is not null as ok \gset
select api.revoke_badge('B-ned', 'contract ended') is not null as ok \gset
select tests.clear_authentication();
select is(
    (select array_agg(coalesce(badge_id, '-') order by email) from app.employees where id in (:'kim', :'lee', :'max', :'ned')),
    array['B-new', '-', '-', '-'], 'reassigned, returned, lost, revoked: the cache follows'
);
select is((select count(*)::integer from app.badge_mirror_differences()), 0, 'and equals the holdings');

-- the other way: upsert_employee's badge_id is a request to assign
select tests.authenticate_as('hr_admin', :'hr');
select api.upsert_employee('lee@example.com', 'lee', id => :'lee', badge_id => 'B-lee2') is not null as ok \gset
select tests.clear_authentication();
select is(app.current_badge_code(:'lee'), 'B-lee2', 'a badge_id written through upsert_employee becomes a holding');
select is((select count(*)::integer from app.badge_mirror_differences()), 0, 'cache = holdings');

-- the owner, bypassing the badge functions
update app.badge_assignments set during = tstzrange(lower(during), now()), end_reason = 'RETURNED', ended_by = 'owner'
where employee_id = :'kim' and during @> now();
select is(
    (select badge_id from app.employees where id = :'kim'), null,
    'a holding ended directly by the owner clears the cache'
);
insert into app.badges (code, created_by) values ('B-spare', 'test');
insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
select :'max', id, tstzrange(now(), null), 'owner' from app.badges where code = 'B-spare';
select is(
    (select badge_id from app.employees where id = :'max'), 'B-spare',
    'a holding added directly by the owner fills the cache'
);
select is((select count(*)::integer from app.badge_mirror_differences()), 0, 'cache = holdings after the owner''s writes');
select is(
    (select count(*)::integer from app.badge_assignments as a inner join app.badges as b on a.badge_id = b.id
     where b.code = 'B-spare'),
    1, 'writing the cache back to employees assigns nothing again (one holding)'
);

-- one way: the mirror's own write is not read back as a request (no second
-- look at the holdings from _900_badge_sync), while a direct write still is
select tests.create_employee('ora@example.com') as ora \gset
update app.badge_assignments set during = tstzrange(lower(during), now()), end_reason = 'RETURNED', ended_by = 'owner'
where employee_id = :'ora' and during @> now();
insert into app.badges (code, created_by) values ('B-ora1', 'test');
select id as ora1 from app.badges where code = 'B-ora1' \gset
select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as scans
from pg_stat_xact_user_tables where relid = 'app.badge_assignments'::regclass \gset
insert into app.badge_assignments (employee_id, badge_id, during, assigned_by)
values (:'ora', :'ora1', tstzrange(now(), null), 'owner');
select is(
    (select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) - :scans
     from pg_stat_xact_user_tables where relid = 'app.badge_assignments'::regclass),
    3::bigint, 'a new holding reads the holdings three times (its two exclusion checks, the mirror): the cache''s write does not fire a fourth read'
);
update app.employees set badge_id = 'B-ora2' where id = :'ora';
select is(app.current_badge_code(:'ora'), 'B-ora2', 'a direct write of badge_id is still a request to assign');

-- attack: the mirror's mark set by hand does not make a direct write skip the holdings
select tests.authenticate_as('hr_admin', :'hr');
select set_config('hithonix.badge_mirror_write', 'on', true) is not null as ok \gset
select api.upsert_employee('ora@example.com', 'ora', id => :'ora', badge_id => 'FORGED-1') is not null as ok \gset
select tests.clear_authentication();
select is(app.current_badge_code(:'ora'), 'FORGED-1', 'a forged mirror mark: the write is still a request to assign');
select is((select count(*)::integer from app.badge_mirror_differences()), 0, 'and the cache equals the holdings');

select * from finish();
rollback;
