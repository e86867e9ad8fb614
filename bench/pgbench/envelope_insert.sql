-- The same INSERT inside PostgREST 12's per-request transaction: BEGIN, one
-- statement of set_configs (search path, role, claims, method, path, headers),
-- the db-pre-request function, the statement, COMMIT. What the API layer costs.
\set n 1 + :client_id + :clients * random(0, :per_client - 1)
begin isolation level read committed read write;
select
    set_config('search_path', '"api", "public"', true),
    set_config('role', 'employee', true),
    set_config(
        'request.jwt.claims',
        '{"role": "employee", "employee_id": "00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '"}',
        true
    ),
    set_config('request.method', 'POST', true),
    set_config('request.path', '/rpc/clock_in', true),
    set_config('request.headers', '{}', true);
select app.pre_request();
insert into bench.bare_punch (employee_n, punched_at) values (:n, now());
commit;
