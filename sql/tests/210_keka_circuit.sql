-- The Keka push circuit breaker: one row, changed only through its functions;
-- open → probe due → success closes; a configuration change makes a probe due
-- at once; HR reads it (sync_overview), an employee does not; the worker
-- cannot write the row directly.
begin;
select plan(14);

select tests.create_employee('hana@example.com') as hana \gset
select tests.create_employee('hr@example.com', p_role => 'hr_admin') as hr \gset

select throws_ok(
    $$insert into app.keka_sync_circuit (id) values (false)$$, '23514', null, 'the circuit is one row (id true)'
);
select throws_ok(
    $$update app.keka_sync_circuit set state = 'OPEN'$$, '23514', null, 'an OPEN circuit has a kind, a start and a next probe'
);

set local role hithonix_worker;
select is((select state from app.keka_circuit_v1('fp-1')), 'CLOSED', 'closed to start with');
select throws_ok($$update app.keka_sync_circuit set state = 'CLOSED'$$, '42501', null, 'the worker cannot write the row directly');
select ok(app.keka_circuit_open_v1('REJECTED', 'HTTP 401: invalid api key', 60, 'fp-1'), 'opening a closed circuit says so');
select is(
    (select (state, kind, probe_due)::text from app.keka_circuit_v1('fp-1')), '(OPEN,REJECTED,f)',
    'open, no probe before next_probe_at'
);
select is((select probe_due from app.keka_circuit_v1('fp-2')), true, 'a changed configuration makes a probe due at once');
select ok(not app.keka_circuit_open_v1('REJECTED', 'HTTP 401: invalid api key', 60, 'fp-1'), 'a failed probe keeps it open');
select is((select probes from app.keka_circuit_v1('fp-1')), 1, 'and counts the probe');
select ok(app.keka_circuit_success_v1() is not null, 'an accepted request closes it and says for how long it was open');
select is(
    (select (state, kind, probes)::text from app.keka_circuit_v1('fp-1')), '(CLOSED,,0)', 'closed and reset'
);
select ok(app.keka_circuit_open_v1('OUTAGE', 'HTTP 503', 0, 'fp-1'), 'open again for an outage');
reset role;

select tests.authenticate_as('hr_admin', :'hr');
select is(
    (select (circuit_state, circuit_kind, circuit_reason)::text from api.sync_overview), '(OPEN,OUTAGE,"HTTP 503")',
    'HR sees the circuit in sync_overview'
);
select tests.clear_authentication();
select tests.authenticate_as('employee', :'hana');
select throws_ok($$select * from api.sync_overview$$, '42501', null, 'an employee does not');
select tests.clear_authentication();

select * from finish();
rollback;
