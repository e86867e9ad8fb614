-- The anomaly report (operator CLI `anomalies`; hr_admin's api.anomaly_report
-- in sql/api/600_reports.sql returns the same rows): every anomaly of every
-- employee-day in a range, with the events behind it and a sentence for people.
-- Detection is the derivation's own (app.replay_day); MISSING_CLOCK_OUT depends
-- on the clock and is added here by the same rule as api.daily_status
-- (app.is_missing_clock_out). Runs with the caller's rights: RLS decides the rows.

create or replace function app.anomaly_report(p_from date default null, p_to date default null)
returns table (
    employee_id uuid, employee_email text, employee_name text, business_date_ist date,
    kind text, event_ids bigint[], message text
)
language sql volatile
as $$
    with days as (
        select ds.employee_id, ds.business_date_ist, ds.current_status, ds.first_clock_in, ds.anomalies
        from app.daily_status as ds
        where (p_from is null or ds.business_date_ist >= p_from)
            and (p_to is null or ds.business_date_ist <= p_to)
            and (
                cardinality(ds.anomalies) > 0
                or app.is_missing_clock_out(ds.current_status, ds.first_clock_in, app.max_shift_interval())
            )
    ),
    found as (
        select d.employee_id, d.business_date_ist, a.key as kind,
            array(select x::bigint from jsonb_array_elements_text(a.value) as x) as event_ids
        from days as d
        cross join lateral app.replay_day(d.employee_id, d.business_date_ist) as r
        cross join lateral jsonb_each(r.anomaly_events) as a
        where cardinality(d.anomalies) > 0
        union all
        select d.employee_id, d.business_date_ist, 'MISSING_CLOCK_OUT',
            array(
                select max(ev.id) from app.attendance_events as ev
                where ev.employee_id = d.employee_id and ev.business_date_ist = d.business_date_ist
                    and ev.event_type = 'CLOCK_IN'
            )
        from days as d
        where app.is_missing_clock_out(d.current_status, d.first_clock_in, app.max_shift_interval())
    )
    select
        f.employee_id,
        e.email::text,
        e.full_name,
        f.business_date_ist,
        f.kind,
        f.event_ids,
        format(
            case f.kind
                when 'DUPLICATE_CLOCK_IN' then '%s (%s) clocked in more than once on %s.'
                when 'UNCLOSED_BREAK' then '%s (%s) started a break on %s and did not end it.'
                when 'LUNCH_MISMATCH' then '%s (%s) has lunch punches that do not pair up on %s.'
                when 'MISSING_CLOCK_OUT' then '%s (%s) clocked in on %s and never clocked out.'
                when 'EVENT_WITHOUT_SHIFT' then '%s (%s) punched outside any shift on %s.'
                else '%s (%s): ' || f.kind || ' on %s.'
            end,
            e.full_name, e.email, to_char(f.business_date_ist, 'YYYY-MM-DD')
        )
    from found as f
    inner join app.employees as e on e.id = f.employee_id
    order by f.business_date_ist, e.email, f.kind
$$;
comment on function app.anomaly_report(date, date) is
'Anomalies per employee-day in a date range (default: all), with event ids and a sentence.';
grant execute on function app.anomaly_report(date, date) to hr_admin;
