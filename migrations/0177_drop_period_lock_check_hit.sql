-- The period-lock guards' exemption for the worker's sync-error replay is
-- gone: the worker's outcome now updates has_sync_errors alone (an UPDATE the
-- daily_status guard lets through), so every guard ends in
-- app.assert_period_open and the helper that carried the exemption goes.
drop function if exists app.period_lock_check_hit(date);
