-- The period lock's one exemption, the worker's sync outcome re-deriving a
-- closed day for has_sync_errors (sql/triggers/100_attendance_events.sql), is
-- marked by a row of this owner-only table for the replay's duration instead
-- of a transaction-local setting, which any session could set.
create unlogged table app.sync_error_replays (
    xact_id bigint primary key
);

alter table app.sync_error_replays enable row level security;

comment on table app.sync_error_replays is
'The transactions replaying days for has_sync_errors right now: '
'the period lock lets these replays through (owner-only).';
