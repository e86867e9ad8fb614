-- The punch endpoints (POST /rpc/<name>): thin wrappers over app.punch, which
-- acts for the employee named in the caller's JWT. Each returns
-- {"event": …, "daily_status": …}. occurred_at null means now.

create or replace function api.clock_in(
    plan text default null,
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null,
    second_opinion jsonb default null
) returns jsonb
language sql volatile
as $$
    select app.punch('CLOCK_IN', occurred_at, idempotency_key, source, note, plan, second_opinion)
$$;
comment on function api.clock_in(text, timestamptz, text, text, text, jsonb) is
'Start your shift. plan is your short daily plan, checked by the gatekeeper. second_opinion (optional): a '
'language model''s verdict on the plan, {"status": "PASSED"|"SKIPPED", "reason", ...}, recorded in the payload; '
'SKIPPED records gatekeeper_status SKIPPED with the reason (the model timed out or failed).';
grant execute on function api.clock_in(text, timestamptz, text, text, text, jsonb)
to employee, approver, hr_admin;

create or replace function api.clock_out(
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null
) returns jsonb
language sql volatile
as $$
    select app.punch('CLOCK_OUT', occurred_at, idempotency_key, source, note)
$$;
comment on function api.clock_out(timestamptz, text, text, text) is 'End your shift.';
grant execute on function api.clock_out(timestamptz, text, text, text) to employee, approver, hr_admin;

create or replace function api.break_start(
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null
) returns jsonb
language sql volatile
as $$
    select app.punch('BREAK_START', occurred_at, idempotency_key, source, note)
$$;
comment on function api.break_start(timestamptz, text, text, text) is 'Start a break.';
grant execute on function api.break_start(timestamptz, text, text, text) to employee, approver, hr_admin;

create or replace function api.break_end(
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null
) returns jsonb
language sql volatile
as $$
    select app.punch('BREAK_END', occurred_at, idempotency_key, source, note)
$$;
comment on function api.break_end(timestamptz, text, text, text) is 'End the open break.';
grant execute on function api.break_end(timestamptz, text, text, text) to employee, approver, hr_admin;

create or replace function api.lunch_start(
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null
) returns jsonb
language sql volatile
as $$
    select app.punch('LUNCH_START', occurred_at, idempotency_key, source, note)
$$;
comment on function api.lunch_start(timestamptz, text, text, text) is 'Start lunch (once per day).';
grant execute on function api.lunch_start(timestamptz, text, text, text) to employee, approver, hr_admin;

create or replace function api.lunch_end(
    occurred_at timestamptz default null,
    idempotency_key text default null,
    source text default 'web',
    note text default null
) returns jsonb
language sql volatile
as $$
    select app.punch('LUNCH_END', occurred_at, idempotency_key, source, note)
$$;
comment on function api.lunch_end(timestamptz, text, text, text) is 'End lunch.';
grant execute on function api.lunch_end(timestamptz, text, text, text) to employee, approver, hr_admin;

create or replace function api.kiosk_punch(
    badge_id text, event_type text, idempotency_key text default null
) returns jsonb
language sql volatile
as $$
    select app.kiosk_punch(badge_id, event_type, idempotency_key)
$$;
comment on function api.kiosk_punch(text, text, text) is
'A badge reader punches for the badge holder (kiosk role only); returns {"name", "state"} only.';
grant execute on function api.kiosk_punch(text, text, text) to kiosk;

create or replace function api.validate_shift_plan(plan text) returns jsonb
language sql immutable
as $$
    select app.validate_shift_plan(plan)
$$;
comment on function api.validate_shift_plan(text) is
'Gatekeeper check of a shift plan: {"valid", "reason", "errors"}.';
grant execute on function api.validate_shift_plan(text) to employee, approver, hr_admin;
