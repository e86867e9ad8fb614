-- Visitors over HTTP: sign-in and sign-out (POST /rpc/visitor_sign_in,
-- /rpc/visitor_sign_out; hr_admin at the desk or a kiosk) and today's list
-- (GET /visitors; RLS: hr_admin all, a host their own visitors).

create or replace function api.visitor_sign_in(
    name text,
    host_employee_id uuid,
    company text default null,
    purpose text default null,
    badge_code text default null,
    site text default null
) returns jsonb
language sql volatile
as $$
    select app.visitor_sign_in(name, host_employee_id, company, purpose, badge_code, site)
$$;
comment on function api.visitor_sign_in(text, uuid, text, text, text, text) is
'hr_admin or kiosk: sign a visitor in for a host employee (the host is notified; audited VISITOR_SIGN_IN).';
grant execute on function api.visitor_sign_in(text, uuid, text, text, text, text) to hr_admin, kiosk;

create or replace function api.visitor_sign_out(visitor_id bigint) returns jsonb
language sql volatile
as $$
    select app.visitor_sign_out(visitor_id)
$$;
comment on function api.visitor_sign_out(bigint) is
'hr_admin or kiosk: sign a visitor out (409 VISITOR_ALREADY_SIGNED_OUT on a second call; audited).';
grant execute on function api.visitor_sign_out(bigint) to hr_admin, kiosk;

create view api.visitors with (security_invoker = true) as
select
    m.id,
    m.site,
    m.name,
    m.company,
    m.purpose,
    m.host_employee_id,
    m.badge_code,
    m.signed_in_at,
    m.signed_out_at,
    m.signed_out_at is null as signed_in,
    app.visitor_overstayed(m.signed_in_at, m.signed_out_at) as still_in_after_day_end
from app.visitors as v
-- personal data only within retention, even before the purge job has run: the one mask
cross join lateral app.visitor_masked(v) as m
where v.signed_in_at >= (date_trunc('day', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata')
    or v.signed_out_at is null;
comment on view api.visitors is
'Today''s visitors (signed in today, IST, or still signed in): hr_admin all, a host their own. '
'still_in_after_day_end flags a visitor not signed out after visitor_day_end or an earlier day.';
grant select on api.visitors to employee, approver, hr_admin;
