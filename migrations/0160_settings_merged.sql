-- issue 11 (punch3): the settings merged once, stored; see
-- sql/schema/115_settings_merged.sql. The trigger that keeps it in step is
-- repeatable (sql/triggers/135_settings_merged.sql); until it exists (this
-- migration and the repeatable SQL run in one upgrade) nothing writes settings.
create table app.settings_merged (
    id boolean primary key default true,
    value jsonb not null,
    constraint settings_merged_one_row check (id),
    constraint settings_merged_value_size check (octet_length(value::text) <= 1048576)
);

alter table app.settings_merged enable row level security;

comment on table app.settings_merged is
'app.settings as one object (key -> value), kept in step by a trigger; read through app.policy(employee_id).';

insert into app.settings_merged (id, value)
select
    true as id,
    coalesce(jsonb_object_agg(s.key, s.value), '{}') as value
from app.settings as s;
