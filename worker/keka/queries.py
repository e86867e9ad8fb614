"""Every SQL statement the worker runs, by name (one place for SQL text).

The logic that can live in the database does (app.*_v1 functions, granted to
hithonix_worker); these are the calls and the queue operations around them.
Functions the worker calls carry a _v1 suffix so a new version can sit beside
the old one during a rollout.
"""

OUTBOX_QUEUE = "keka_sync"  # the pgmq outbox the ledger trigger fills (not procrastinate's job queue)

READ_BATCH = "select msg_id, read_ct, message from pgmq.read(%(queue)s, %(vt)s, %(qty)s)"

# Events to push for a set of message payloads, with what Keka needs.
EVENTS_FOR_PUSH = "select * from app.events_for_push_v2(%(event_ids)s)"

RECORD_SUCCESS = "select app.record_sync_success_v1(%(event_ids)s, %(keka_ref)s)"
RECORD_FAILURE = "select app.record_sync_failure_v1(%(event_ids)s, %(permanent)s, %(error)s)"
RECORD_MAYBE_SENT = "select app.record_sync_maybe_sent_v1(%(event_ids)s)"
RECORD_HELD = "select app.record_sync_held_v1(%(event_ids)s, %(error)s)"
RECORD_SKIPPED = "select app.record_sync_skipped_v1(%(event_ids)s, %(error)s)"
STRIKE = "select app.strike_sync_v1(%(msg_id)s, %(error)s, %(delay)s)"

CIRCUIT = "select * from app.keka_circuit_v1(%(fingerprint)s)"
CIRCUIT_OPEN = "select app.keka_circuit_open_v1(%(kind)s, %(reason)s, %(probe_in)s::numeric, %(fingerprint)s)"
CIRCUIT_SUCCESS = "select app.keka_circuit_success_v1()"

ARCHIVE = "select pgmq.archive(%(queue)s, %(msg_ids)s::bigint[])"
SET_VT = "select pgmq.set_vt(%(queue)s, %(msg_id)s, %(seconds)s)"

RECONCILE = "select app.reconcile_sync_v1()"

# counts only (pgmq.metrics also reads the heap for message ages: every page the queue ever grew to)
QUEUE_DEPTHS = "select queue_depth, dlq_depth from app.queue_depths_v1('keka_sync')"

TOKEN_LOAD = "select access_token, expires_at from app.keka_tokens where name = 'hris'"
TOKEN_SAVE = (
    "insert into app.keka_tokens (name, access_token, expires_at) values ('hris', %(token)s, %(expires_at)s)"
    " on conflict (name) do update set access_token = excluded.access_token,"
    " expires_at = excluded.expires_at, updated_at = now()"
)

IMPORT_START = "select app.start_employee_import_v1()"
IMPORT_APPLY = "select app.apply_employee_import_v1(%(run_id)s, %(employees)s, %(pages)s)"
IMPORT_FAIL = "select app.fail_employee_import_v1(%(run_id)s, %(pages)s, %(error)s)"
