-- Payroll period locks over HTTP: GET /period_locks (everyone may see which
-- periods are closed) and hr_admin's lock_period / unlock_period. Nobody writes
-- the table directly: only SELECT is granted (writes go through the SECURITY
-- DEFINER app functions, sql/functions/730_period_lock.sql).

grant select on app.period_locks to employee, approver, hr_admin;

drop policy if exists period_locks_read on app.period_locks;
create policy period_locks_read on app.period_locks for select to employee, approver, hr_admin
using (true);

create view api.period_locks with (security_invoker = true) as
select
    pl.id,
    pl.date_from,
    pl.date_to,
    pl.reason,
    pl.locked_by,
    pl.locked_at,
    pl.reopened_at,
    pl.reopened_by,
    pl.reopen_reason,
    pl.reopened_at is null as active
from app.period_locks as pl;
comment on view api.period_locks is
'Payroll period locks; while active, nothing changes attendance on those business dates (409 PERIOD_LOCKED).';
grant select on api.period_locks to employee, approver, hr_admin;

create or replace function api.lock_period(date_from date, date_to date, reason text) returns jsonb
language sql volatile
as $$
    select app.lock_period(date_from, date_to, reason)
$$;
comment on function api.lock_period(date, date, text) is
'hr_admin: close the business dates date_from..date_to for payroll (at most 366 days; 409 PERIOD_LOCK_OVERLAP with an '
'active lock); audited PERIOD_LOCK.';
grant execute on function api.lock_period(date, date, text) to hr_admin;

create or replace function api.unlock_period(period_lock_id bigint, reason text) returns jsonb
language sql volatile
as $$
    select app.unlock_period(period_lock_id, reason)
$$;
comment on function api.unlock_period(bigint, text) is
'hr_admin: reopen a period lock with a reason (404 PERIOD_LOCK_NOT_FOUND, 409 PERIOD_LOCK_REOPENED); '
'audited PERIOD_UNLOCK.';
grant execute on function api.unlock_period(bigint, text) to hr_admin;
