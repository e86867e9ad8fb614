-- api.health(): anon may call it; it tells status, time and schema version.
begin;
select plan(6);

select max(version) as newest from migrations.applied \gset
select tests.authenticate_as('anon');
select is((api.health() ->> 'status'), 'ok', 'anon gets status ok');
select ok((api.health() ->> 'database_time')::timestamptz is not null, 'health reports the database time');
select is(
    api.health() ->> 'schema_version',
    :'newest',
    'health reports the newest applied migration'
);
select throws_ok($$select * from api.daily_status$$, '42501', null, 'anon cannot read daily_status');
select throws_ok(
    $$select api.validate_shift_plan('x')$$, '42501', null, 'anon cannot run other api functions'
);
select tests.clear_authentication();
select tests.authenticate_as('kiosk', null, '{"kiosk_id": "lobby"}');
select is(api.health() ->> 'status', 'ok', 'other roles can call health too');

select * from finish();
rollback;
