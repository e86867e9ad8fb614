-- Imports (issue 13, speed): the preview's outcome filter keeps an index only
-- on the rows that are not VALID. A clean 100,000-row file wrote 100,000
-- entries into (batch_id, outcome, row_no) that no query needed (~0.1 s of
-- its prepare, a third of the INSERT): a page of VALID rows walks the primary
-- key (batch_id, row_no), the other outcomes (usually few) have this index.
drop index if exists app.import_rows_outcome_idx;
create index if not exists import_rows_not_valid_idx on app.import_rows (batch_id, outcome, row_no)
where outcome <> 'VALID';
