-- Triggers of the leave tables, in firing order:
--   leave_ledger    _010_append_only / _011_no_truncate  the ledger is append-only,
--                   owner included (same guard as audit_logs and day_unlocks)
--   leave_requests  _010_no_delete / _011_no_truncate     requests are never removed
--                   _100_transition (BEFORE UPDATE)      what a request was asked for
--                   never changes; status moves only PENDING → APPROVED | REJECTED |
--                   CANCELLED and APPROVED → CANCELLED
-- Approved leave reaches daily_status through the derivation and the live step
-- (sql/functions/600_leave_day.sql); migration 0076 dropped the per-row overlay
-- trigger that did it a second time on every write.

create or replace function app.tg_leave_requests__transition() returns trigger
language plpgsql volatile
as $$
begin
    if (
        new.employee_id, new.id, new.policy_code, new.start_date, new.end_date, new.half_day_start,
        new.half_day_end, new.days, new.reason, new.requested_by, new.requested_at
    ) is distinct from (
        old.employee_id, old.id, old.policy_code, old.start_date, old.end_date, old.half_day_start,
        old.half_day_end, old.days, old.reason, old.requested_by, old.requested_at
    ) then
        perform app.fail(403, 'LEAVE_REQUEST_IMMUTABLE', 'What a leave request asked for never changes; cancel it and request again.');
    end if;
    if new.status is distinct from old.status and not (
        (old.status = 'PENDING' and new.status in ('APPROVED', 'REJECTED', 'CANCELLED'))
        or (old.status = 'APPROVED' and new.status = 'CANCELLED')
    ) then
        perform app.fail(
            409, 'LEAVE_INVALID_TRANSITION', format('A %s request cannot become %s.', old.status, new.status)
        );
    end if;
    return new;
end
$$;

create or replace trigger _010_append_only
before update or delete on app.leave_ledger
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.leave_ledger
for each statement execute function app.tg_append_only();

create or replace trigger _010_no_delete
before delete on app.leave_requests
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.leave_requests
for each statement execute function app.tg_append_only();

create or replace trigger _100_transition
before update on app.leave_requests
for each row execute function app.tg_leave_requests__transition();
