-- The floor every punch figure is a ratio of: one single-row INSERT into a
-- bare table (no triggers, no foreign keys), autocommit, as authenticator.
\set n 1 + :client_id + :clients * random(0, :per_client - 1)
insert into bench.bare_punch (employee_n, punched_at) values (:n, now());
