-- Imports (issue 13, speed): app.import_rows.batch_id is checked once per
-- statement instead of once per row. The foreign key fired one RI query per
-- staged row (~0.5 s of a 100,000-row prepare, a fifth of it); the statement
-- triggers of sql/triggers/600_imports.sql check the same thing set-based
-- (every staged row's batch exists; a batch with rows is never deleted, its id
-- never changes, the table is never truncated under its rows).
alter table app.import_rows drop constraint import_rows_batch_id_fkey;
