-- Triggers of the adjustment tables, in firing order:
--   adjustment_requests   _010_no_delete / _011_no_truncate  requests are never removed
--                         _100_transition (BEFORE UPDATE) what a request asked
--                         for never changes; status moves once, PENDING →
--                         APPROVED | REJECTED | WITHDRAWN
--   adjustment_decisions  _010_append_only / _011_no_truncate  append-only, owner
--                         included (the guard of audit_logs and the leave ledger)
--                         _050_period_lock: see sql/triggers/730_period_lock.sql
--                         _100_request_status (AFTER INSERT) the decision sets
--                         its request's status; the request's _100_transition
--                         refuses any other status change (owner included)

create or replace function app.tg_adjustment_requests__transition() returns trigger
language plpgsql volatile
as $$
begin
    if (
        new.employee_id, new.id, new.business_date, new.kind, new.punches, new.reason, new.requested_by,
        new.requested_at
    ) is distinct from (
        old.employee_id, old.id, old.business_date, old.kind, old.punches, old.reason, old.requested_by,
        old.requested_at
    ) then
        perform app.fail(
            403, 'ADJUSTMENT_IMMUTABLE', 'What an adjustment request asked for never changes; withdraw it and ask again.'
        );
    end if;
    if new.status is distinct from old.status and not (
        old.status = 'PENDING' and new.status in ('APPROVED', 'REJECTED', 'WITHDRAWN')
    ) then
        perform app.fail(
            409, 'ADJUSTMENT_NOT_PENDING', format('A %s request cannot become %s.', old.status, new.status)
        );
    end if;
    -- the status is its decision's: set by _100_request_status, never on its own
    if new.status is distinct from old.status and not exists (
        select 1 from app.adjustment_decisions as d
        where d.employee_id = new.employee_id and d.adjustment_request_id = new.id and d.decision = new.status
    ) then
        perform app.fail(
            403, 'ADJUSTMENT_IMMUTABLE', 'A request''s status follows its decision (app.adjustment_decisions).'
        );
    end if;
    return new;
end
$$;

-- A decision moves its request's status (PENDING → the decision): the
-- database keeps the two in step, not the caller.
create or replace function app.tg_adjustment_decisions__request_status() returns trigger
language plpgsql volatile
as $$
begin
    update app.adjustment_requests as r set status = new.decision
    where r.employee_id = new.employee_id and r.id = new.adjustment_request_id;
    return null;
end
$$;

create or replace trigger _010_no_delete
before delete on app.adjustment_requests
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.adjustment_requests
for each statement execute function app.tg_append_only();

create or replace trigger _100_transition
before update on app.adjustment_requests
for each row execute function app.tg_adjustment_requests__transition();

create or replace trigger _010_append_only
before update or delete on app.adjustment_decisions
for each row execute function app.tg_append_only();

create or replace trigger _011_no_truncate
before truncate on app.adjustment_decisions
for each statement execute function app.tg_append_only();

create or replace trigger _100_request_status
after insert on app.adjustment_decisions
for each row execute function app.tg_adjustment_decisions__request_status();
