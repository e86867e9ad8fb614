-- Reports for hr_admin (POST /rpc/<name>). The report itself is
-- app.anomaly_report (sql/functions/400_anomaly_report.sql), which the operator
-- CLI runs too; the endpoint returns its rows as one JSON array.

create or replace function api.anomaly_report(from_date date default null, to_date date default null)
returns jsonb
language plpgsql stable
as $$
begin
    return (select coalesce(jsonb_agg(to_jsonb(r)), '[]') from app.anomaly_report(from_date, to_date) as r);
exception when query_canceled then
    -- its cost grows with the range: a timeout is a clear 503, not PostgREST's 500
    perform app.fail_timeout();
    return null;
end
$$;
comment on function api.anomaly_report(date, date) is
'hr_admin: the anomaly report for a date range (default: all), one entry per anomaly.';
grant execute on function api.anomaly_report(date, date) to hr_admin;
