-- POST /rpc/my_day: the caller's own day and the punches they may make next,
-- for clients that show only the buttons that would work (the Slack home tab).

create or replace function api.my_day() returns jsonb
language sql volatile
as $$
    select app.my_day()
$$;
comment on function api.my_day() is
'Your current day (status, worked/break/lunch minutes, anomalies, lock) and next_actions: the punches the state '
'machine accepts now, each tried and rolled back (nothing is written); refused: the others with their code and '
'sentence.';
grant execute on function api.my_day() to employee, approver, hr_admin;
