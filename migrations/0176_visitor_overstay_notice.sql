-- Review follow-up (mend3): the host's notice when a visitor is still signed
-- in after the expected end of their visit (the visitor_day_end setting of
-- their sign-in day, as api.visitors' still_in_after_day_end flags it).
--
-- visitors.overstay_notified_at: when the worker's job queued that notice
-- (app.notify_visitor_overstays_v1), so a visitor is announced once, whether
-- the notice is still queued or already delivered. The partial index holds
-- only the visitors the job can still pick: signed in, not yet announced.
-- See sql/schema/940_visitors.sql.
alter table app.visitors add column overstay_notified_at timestamptz;

create index visitors_overstay_due_idx on app.visitors (signed_in_at)
where signed_out_at is null and overstay_notified_at is null;
