-- Triggers of the leave tables, in firing order:
--   leave_ledger    _010_append_only / _011_no_truncate  the ledger is append-only,
--                   owner included (same guard as audit_logs and day_unlocks)
--   leave_requests  _010_no_delete / _011_no_truncate     requests are never removed
--                   _100_transition (BEFORE UPDATE)      what a request was asked for
--                   never changes; status moves only PENDING → APPROVED | REJECTED |
--                   CANCELLED and APPROVED → CANCELLED
--   daily_status    _500_leave (BEFORE INSERT OR UPDATE)  overlay approved leave on
--                   every stored day, whichever path writes it (600_leave_day.sql)

create or replace function app.tg_leave_requests__transition() returns trigger
language plpgsql volatile
as $$
declare
    v_fixed constant text[] := array[
        'employee_id', 'id', 'policy_code', 'start_date', 'end_date', 'half_day_start', 'half_day_end', 'days',
        'reason', 'requested_by', 'requested_at'
    ];
begin
    if (select jsonb_object_agg(k.key, to_jsonb(new) -> k.key) from unnest(v_fixed) as k (key))
        is distinct from (select jsonb_object_agg(k.key, to_jsonb(old) -> k.key) from unnest(v_fixed) as k (key))
    then
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

create or replace function app.tg_daily_status__leave() returns trigger
language plpgsql volatile
as $$
begin
    return app.leave_day(new);
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

create or replace trigger _500_leave
before insert or update on app.daily_status
for each row execute function app.tg_daily_status__leave();
