"""The notification lane's SQL, in one place (pgmq's functions and one app function)."""

QUEUE = "notifications"
DEAD_LETTER_QUEUE = "notifications_dlq"

READ_ONE = "select msg_id, read_ct, message from pgmq.read('notifications', %s, 1)"
RECIPIENT = "select app.notification_recipient_v1(%s)"
DONE = "select pgmq.archive('notifications', %s::bigint)"
LATER = "select pgmq.set_vt('notifications', %s::bigint, %s)"
DEAD_LETTER = "select pgmq.send('notifications_dlq', %s::jsonb)"
DELETE = "select pgmq.delete('notifications', %s::bigint)"
DEPTH = "select count(*) from pgmq.q_notifications"
