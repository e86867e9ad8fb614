"""Every SQL statement the import code runs: one-line calls of the app functions."""

from __future__ import annotations

# The CLI acts as hr_admin with an actor naming the operator (the functions check the claim).
ACT_AS_OPERATOR = "select set_config('request.jwt.claims', %s, true)"
CREATE_LINES = "create temp table import_lines (n bigint generated always as identity, line text) on commit drop"
COPY_LINES = "copy import_lines (line) from stdin"
STAGE = "select app.import_stage(%s, (select array_agg(l.line order by l.n) from import_lines as l), %s, %s)"
PREVIEW = "select app.import_preview(%s, %s, %s, %s, %s, false)"
COMMIT = "select app.import_commit(%s, %s)"
STATUS = "select app.import_status(%s)"

# the worker job (as hithonix_worker)
RUN_BEGIN = "select app.import_run_begin_v1(%s)"
RUN_PART = "select app.import_run_part_v1(%s, %s, %s)"
RUN_PROGRESS = "select app.import_progress_v1(%s, %s)"
RUN_FINISH = "select app.import_run_finish_v1(%s)"
RUN_FAILED = "select app.import_run_failed_v1(%s, %s)"
