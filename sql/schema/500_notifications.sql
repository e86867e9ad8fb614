-- The notification outbox: one pgmq queue for every notice to a person (Slack
-- DMs for locked days, a visitor's arrival for their host, ...), filled by
-- app.enqueue_notification in the transaction that causes the notice and
-- drained by the worker; messages read too often move to notifications_dlq.

select pgmq.create('notifications');
select pgmq.create('notifications_dlq');

-- "Is this notice already queued?" (a dedupe key names one notice, e.g. one
-- locked day for one recipient)
create index notifications_dedupe_idx on pgmq.q_notifications ((message ->> 'dedupe_key'));
