-- issue 11 (punch3): the live punch's part of the merged settings, stored
-- beside the whole (sql/schema/115_settings_merged.sql). Filled by the
-- repeatable sql/triggers/135_settings_merged.sql (app.merge_settings), which
-- also owns the list of keys (app.live_policy_keys).
alter table app.settings_merged add column live jsonb not null default '{}';

comment on column app.settings_merged.live is
'The settings the live punch reads (app.live_policy_keys()), merged: app.live_policy(employee_id).';
