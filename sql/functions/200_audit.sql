-- Writing the audit trail: actor, role and request id come from the request.

create or replace function app.audit(
    p_action text,
    p_entity text,
    p_entity_id text,
    p_target_employee_id uuid,
    p_reason text,
    p_before jsonb,
    p_after jsonb,
    p_context jsonb default '{}'
) returns bigint
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    insert into app.audit_logs (
        actor_slack_id, actor_employee_id, actor_role, target_employee_id,
        action, entity, entity_id, reason, before, after, context, request_id
    ) values (
        app.current_actor(),
        app.current_employee_id(),
        coalesce(app.jwt_claims() ->> 'role', session_user::text),
        p_target_employee_id,
        p_action, p_entity, p_entity_id, p_reason, p_before, p_after,
        coalesce(p_context, '{}'), app.request_id()
    )
    returning id
$$;
comment on function app.audit(text, text, text, uuid, text, jsonb, jsonb, jsonb) is
'Append one audit_logs row for the current request.';
