-- The notification outbox: one pgmq queue for every notice to a person (Slack
-- DMs for locked days, a visitor's arrival for their host, ...), filled in the
-- transaction that causes the notice and drained by the worker.
select pgmq.create('notifications');
select pgmq.create('notifications_dlq');
create index notifications_dedupe_idx on pgmq.q_notifications ((message ->> 'dedupe_key'));
