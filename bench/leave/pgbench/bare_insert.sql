-- The baseline: a single-row INSERT into a bare table, one transaction.
\set n random(1, 1000000000)
insert into bench_leave_bare (n, at) values (:n, now());
