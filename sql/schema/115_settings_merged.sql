-- The settings merged into one JSON object, kept by a statement trigger on
-- app.settings (sql/triggers/135_settings_merged.sql): app.policy() reads
-- this one row instead of aggregating every setting on every call (the punch
-- path asked twice per punch). One row, always (id true). live holds only the
-- keys the live punch reads (app.live_policy_keys()): merging a punch's
-- policy with the employee's shift_config then copies nine keys, not all.

create table app.settings_merged (
    id boolean primary key default true,
    value jsonb not null,
    live jsonb not null default '{}',
    constraint settings_merged_one_row check (id),
    constraint settings_merged_value_size check (octet_length(value::text) <= 1048576)
);

alter table app.settings_merged enable row level security;

comment on table app.settings_merged is
'app.settings as one object (key -> value), kept in step by a trigger; read through app.policy(employee_id).';
comment on column app.settings_merged.live is
'The settings the live punch reads (app.live_policy_keys()), merged: app.policy_of(employee_id, true).';
