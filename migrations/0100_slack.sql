-- The Slack app (issue 16): which locks were announced (see
-- sql/schema/510_day_lock_notices.sql), and the punch functions that take the
-- language model's second opinion (their new signatures are in
-- sql/functions/210_punch.sql; the old ones are dropped here so that no
-- overload stays behind).
create table app.day_lock_notices (
    employee_id uuid not null references app.employees (id),
    business_date_ist date not null,
    lock_reason text not null,
    lock_generation integer not null,
    queued_at timestamptz not null default now(),
    constraint day_lock_notices_pkey primary key (employee_id, business_date_ist, lock_reason, lock_generation),
    constraint day_lock_notices_lock_reason_length check (length(lock_reason) <= 64),
    constraint day_lock_notices_generation_nonnegative check (lock_generation >= 0)
);

alter table app.day_lock_notices enable row level security;

comment on table app.day_lock_notices is 'Locked days whose notices were queued (one per lock).';

-- days locked before this release count as announced: re-deriving one later
-- (an admin event, a leave decision) must not send a notice about an old lock
insert into app.day_lock_notices (employee_id, business_date_ist, lock_reason, lock_generation)
select
    ds.employee_id,
    ds.business_date_ist,
    ds.lock_reason,
    (
        select count(*)::integer from app.day_unlocks as u
        where u.employee_id = ds.employee_id and u.business_date_ist = ds.business_date_ist
    ) as lock_generation
from app.daily_status as ds
where ds.is_locked;

drop function if exists app.punch(app.event_type, timestamptz, text, text, text, text);
drop function if exists app.record_punch(uuid, app.event_type, timestamptz, text, text, text, text, boolean);
