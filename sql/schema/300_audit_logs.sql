-- Audit trail of every admin and approver write. Append-only.

create table app.audit_logs (
    id bigint generated always as identity primary key,
    created_at timestamptz not null default now(),
    actor_slack_id text,
    actor_employee_id uuid,
    actor_role text not null,
    target_employee_id uuid,
    action text not null,
    entity text not null,
    entity_id text,
    reason text,
    before jsonb,
    after jsonb,
    context jsonb not null default '{}',
    request_id text,
    constraint audit_logs_action_format check (action ~ '^[A-Z][A-Z_]*$'),
    constraint audit_logs_actor_slack_id_length check (length(actor_slack_id) <= 320),
    constraint audit_logs_actor_role_length check (length(actor_role) <= 64),
    constraint audit_logs_action_length check (length(action) <= 64),
    constraint audit_logs_entity_length check (length(entity) <= 64),
    constraint audit_logs_entity_id_length check (length(entity_id) <= 12000),
    constraint audit_logs_reason_length check (length(reason) <= 1000),
    constraint audit_logs_request_id_length check (length(request_id) <= 200)
);

create index audit_logs_target_idx on app.audit_logs (target_employee_id, created_at);
create index audit_logs_created_idx on app.audit_logs (created_at);

alter table app.audit_logs enable row level security;

comment on table app.audit_logs is 'Who changed what, when and why. Append-only.';
