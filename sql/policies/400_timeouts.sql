-- hithonix:as-superuser
-- Time limits per role (issue 10): nothing a client sends can hold a
-- connection for long. PostgREST applies an impersonated role's settings
-- (ALTER ROLE … SET) to each request's transaction; login roles get theirs at
-- connect. Roles are cluster-wide, so these are too (a per-database setting
-- would not reach databases created from a template). Work whose cost grows
-- with the data (reports, boards) turns a timeout into 503 STATEMENT_TIMEOUT;
-- everything else is bounded by its inputs well below these limits.
--
-- role              statement_timeout  idle_in_transaction_session_timeout
-- anon              2s                 -
-- employee, kiosk   5s                 -
-- approver          10s                -
-- hr_admin          30s                -
-- authenticator     10s                30s
-- hithonix_worker   60s                60s

alter role anon set statement_timeout = '2s';
alter role employee set statement_timeout = '5s';
alter role kiosk set statement_timeout = '5s';
alter role approver set statement_timeout = '10s';
alter role hr_admin set statement_timeout = '30s';
alter role authenticator set statement_timeout = '10s';
alter role authenticator set idle_in_transaction_session_timeout = '30s';
alter role hithonix_worker set statement_timeout = '60s';
alter role hithonix_worker set idle_in_transaction_session_timeout = '60s';
