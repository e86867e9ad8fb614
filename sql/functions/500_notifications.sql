-- Putting a notice on the notification outbox (pgmq queue `notifications`).
--
-- Callers are database code in the transaction that causes the notice (a day
-- that locks, a visitor signing in): the message commits or rolls back with
-- it. A message names its recipient by employee id and carries ids and short
-- text only; the worker resolves the channel (Slack user, log sink) when it
-- sends. A dedupe key makes the same notice queued twice in one transaction
-- or while an earlier copy is still waiting a no-op.

-- One notice as it goes on the queue, its parts checked: every producer builds
-- its message here (app.enqueue_notification one at a time, app.queue_lock_notices
-- in batches), so none skips a bound.
--
-- The checks one by one, each refusal with its own sentence; the message when
-- all pass. app.notification_message calls this only for parts it refuses.
create or replace function app.notification_message_checked(
    p_employee_id uuid,
    p_kind text,
    p_text text,
    p_context jsonb,
    p_dedupe_key text
) returns jsonb
language plpgsql stable
as $$
begin
    if p_employee_id is null then
        perform app.fail(422, 'INVALID_ARGUMENT', 'A notification needs a recipient employee.');
    end if;
    if p_kind is null or p_kind !~ '^[A-Z][A-Z_]{1,59}$' then
        perform app.fail(422, 'INVALID_ARGUMENT', 'kind must be an upper-case code of at most 60 characters.');
    end if;
    if p_text is null or length(p_text) not between 1 and 2000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'text must have between 1 and 2000 characters.');
    end if;
    if p_context is null or jsonb_typeof(p_context) <> 'object' or pg_column_size(p_context) > 4000 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'context must be a JSON object of at most 4 kB.');
    end if;
    if length(p_dedupe_key) > 200 then
        perform app.fail(422, 'INVALID_ARGUMENT', 'dedupe_key must have at most 200 characters.');
    end if;
    return jsonb_strip_nulls(jsonb_build_object(
        'kind', p_kind, 'employee_id', p_employee_id, 'text', p_text,
        'context', p_context, 'dedupe_key', p_dedupe_key
    ));
end
$$;
comment on function app.notification_message_checked(uuid, text, text, jsonb, text) is
'app.notification_message''s checks one at a time, each refusal with its own error.';

-- The same checks as one expression, so that this SQL function inlines into a
-- batch's INSERT (app.queue_lock_notices: no PL/pgSQL call per message, 3,892
-- of them in a 100,000-event bulk ingest, issue 11); parts that fail any
-- check go to app.notification_message_checked for their error. Stable, like
-- jsonb_build_object (an immutable one would not inline).
create or replace function app.notification_message(
    p_employee_id uuid,
    p_kind text,
    p_text text,
    p_context jsonb default '{}',
    p_dedupe_key text default null
) returns jsonb
language sql stable
as $$
    select case
        when p_employee_id is not null
            and p_kind ~ '^[A-Z][A-Z_]{1,59}$'
            and length(p_text) between 1 and 2000
            and jsonb_typeof(p_context) = 'object' and pg_column_size(p_context) <= 4000
            and coalesce(length(p_dedupe_key) <= 200, true)
            then jsonb_strip_nulls(jsonb_build_object(
                'kind', p_kind, 'employee_id', p_employee_id, 'text', p_text,
                'context', p_context, 'dedupe_key', p_dedupe_key
            ))
        else app.notification_message_checked(p_employee_id, p_kind, p_text, p_context, p_dedupe_key)
    end
$$;
comment on function app.notification_message(uuid, text, text, jsonb, text) is
'One notification outbox message from its checked parts (recipient, kind, text, context, dedupe key).';

create or replace function app.enqueue_notification(
    p_employee_id uuid,
    p_kind text,
    p_text text,
    p_context jsonb default '{}',
    p_dedupe_key text default null
) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_message jsonb := app.notification_message(p_employee_id, p_kind, p_text, p_context, p_dedupe_key);
    v_msg_id bigint;
begin
    if p_dedupe_key is not null then
        select m.msg_id into v_msg_id
        from pgmq.q_notifications as m
        where m.message ->> 'dedupe_key' = p_dedupe_key
        limit 1;
        if found then
            return v_msg_id;
        end if;
    end if;
    select pgmq.send('notifications', v_message) into v_msg_id;
    return v_msg_id;
end
$$;
comment on function app.enqueue_notification(uuid, text, text, jsonb, text) is
'Queue one notice for an employee on the notification outbox, in the calling transaction.';
