-- The concurrent path to migration 0045's keys, for a ledger too big to keep
-- locked while its indexes are rebuilt (docs/scale-out.md). Run it against the
-- production database BEFORE `make migrate`; 0045 then finds the keys in place,
-- leaves them, and only adds employee_id to the waiting queue messages.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/employee_keys_concurrently.sql
--
-- * CREATE UNIQUE INDEX CONCURRENTLY blocks neither reads nor writes (it waits
--   for transactions already running; if it fails it leaves an INVALID index:
--   drop that index and run the script again);
-- * the swap holds ACCESS EXCLUSIVE for milliseconds: PRIMARY KEY USING INDEX
--   adopts the built index (no build, and no scan since the columns are already
--   NOT NULL); lock_timeout gives up instead of queueing punches behind it;
-- * the foreign key comes back NOT VALID (new rows are checked at once) and
--   VALIDATE checks the old rows under SHARE UPDATE EXCLUSIVE: writes go on.

create unique index concurrently if not exists attendance_events_id_employee_key
on app.attendance_events (id, employee_id);

create unique index concurrently if not exists day_unlocks_id_employee_key
on app.day_unlocks (id, employee_id);

create unique index concurrently if not exists attendance_events_one_void_employee_idx
on app.attendance_events (corrects_event_id, employee_id)
where corrects_event_id is not null;

begin;

set local lock_timeout = '5s';

alter table app.attendance_events drop constraint attendance_events_corrects_event_id_fkey;

alter table app.attendance_events drop constraint attendance_events_pkey;

alter table app.attendance_events
add constraint attendance_events_pkey primary key using index attendance_events_id_employee_key;

alter table app.day_unlocks drop constraint day_unlocks_pkey;

alter table app.day_unlocks
add constraint day_unlocks_pkey primary key using index day_unlocks_id_employee_key;

drop index app.attendance_events_one_void_idx;

alter index app.attendance_events_one_void_employee_idx rename to attendance_events_one_void_idx;

alter table app.attendance_events
add constraint attendance_events_corrects_event_id_fkey foreign key (employee_id, corrects_event_id)
references app.attendance_events (employee_id, id) not valid;

commit;

alter table app.attendance_events validate constraint attendance_events_corrects_event_id_fkey;
