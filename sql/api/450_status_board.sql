-- The status board (POST /rpc/status_board): what hr_admin and approvers read
-- during the day. GET /daily_status stays for exports.

create or replace function api.status_board(
    business_date date default null, page integer default 1, page_size integer default 100
) returns jsonb
language sql stable
as $$
    select app.status_board(business_date, page, page_size)
$$;
comment on function api.status_board(date, integer, integer) is
'Counts by state for a date (default: today, IST) and the rows that need attention (locked, anomalies, '
'missing clock-out, sync errors) with names, page_size (1-500, default 100) per page in employee id order. '
'hr_admin: everyone; approver: their chain.';
grant execute on function api.status_board(date, integer, integer) to approver, hr_admin;
