-- The leave overlay on daily_status was applied twice: by the derivation
-- (app.derive_days → app.leave_day) and by a per-row BEFORE INSERT OR UPDATE
-- trigger on every stored write, a leave lookup on every live punch. The live
-- step now carries the stored day's leave_portion forward (app.leave_overlay)
-- and the derivation stays the one place that asks; the trigger goes.
drop trigger if exists _500_leave on app.daily_status;
drop function if exists app.tg_daily_status__leave();
