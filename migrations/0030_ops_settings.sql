-- Operator thresholds and retention periods (issue 19), as settings rows: the
-- `status` command, the worker's metrics and the retention job read them.
-- Run once; later changes are new migrations or hr_admin edits.

insert into app.settings (key, value, description) values
(
    'ops_max_sync_lag_seconds', '300',
    '`status` exits 4 when the oldest unsynced punch is older than this'
),
(
    'ops_max_dead_letters', '0',
    '`status` exits 5 when keka_sync_dlq holds more messages than this'
),
(
    'retention_sync_archive_days', '7',
    'Archived keka_sync messages (pgmq archive) older than this are deleted'
),
(
    'retention_finished_jobs_hours', '24',
    'Finished procrastinate jobs older than this are deleted'
),
(
    'retention_failed_jobs_days', '14',
    'Failed, cancelled and aborted procrastinate jobs older than this are deleted'
)
on conflict (key) do nothing;
