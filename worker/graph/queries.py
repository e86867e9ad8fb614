"""Every SQL statement the calendar worker runs, by name (one place for SQL text).

The rules live in the database (app.*_v1 functions granted to hithonix_worker,
sql/functions/640_leave_calendar.sql and 660_calendar_dead_letter.sql); these
are the calls and the queue operations around them.
"""

QUEUE = "calendar_sync"  # the pgmq outbox approve/cancel fill (not procrastinate's job queue)
DLQ = "calendar_sync_dlq"

READ_BATCH = "select msg_id, read_ct, message from pgmq.read('calendar_sync', %(vt)s, %(qty)s)"
# keep a message hidden while it is being worked on
HOLD = "select pgmq.set_vt('calendar_sync', %(msg_id)s, %(seconds)s)"
ARCHIVE = "select pgmq.archive('calendar_sync', %(msg_id)s::bigint)"
# a message that becomes visible only after a delay (the delete's confirmation)
SEND_LATER = "select pgmq.send('calendar_sync', %(message)s::jsonb, %(delay)s::integer)"

ITEM = "select * from app.calendar_sync_item_v1(%(leave_request_id)s)"
RECORD = "select app.record_calendar_sync_v1(%(leave_request_id)s, %(status)s, %(event_id)s, %(error)s)"
DEAD_LETTER = "select app.calendar_dead_letter_v1(%(msg_id)s, %(max_reads)s)"

QUEUE_DEPTHS = "select queue_depth, dlq_depth from app.queue_depths_v1('calendar_sync')"
