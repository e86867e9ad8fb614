-- The presence notice of a daily_status UPDATE moves into the row trigger
-- every UPDATE of a day already calls (_050_period_lock_upd,
-- sql/triggers/730_period_lock.sql): one PL/pgSQL call per live punch
-- instead of two.
drop trigger if exists _900_notify_presence on app.daily_status;
