"""The notification lane: drains the notification outbox (pgmq ``notifications``) to Slack DMs,
or to the log when Slack is not configured."""
