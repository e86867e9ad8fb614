-- Visitors (issue 15 part 4): people signed in at a site's front desk or
-- kiosk for a host employee. Written only by the SECURITY DEFINER functions in
-- sql/functions/940_visitors.sql (sign-in, sign-out, the retention purge); the
-- personal columns (name, company, purpose, badge_code) are nulled by the
-- purge after the setting visitor_retention_days, and a purged row keeps only
-- what the counts need.
--
-- Keys: a site's fact, not an employee's (scale-out plan: coordinator-local,
-- like audit_logs): host_employee_id has no foreign key, which would make it a
-- per-employee table under the key rule; the sign-in function checks that the
-- host exists and is active, and employees are deactivated, never deleted.

create table app.visitors (
    id bigint generated always as identity primary key,
    site text not null default 'main',
    name text,
    company text,
    purpose text,
    host_employee_id uuid not null,
    badge_code text,
    signed_in_at timestamptz not null default now(),
    signed_in_by text not null,
    signed_out_at timestamptz,
    signed_out_by text,
    purged_at timestamptz,
    -- the host's overstay notice was queued (migration 0176; app.notify_visitor_overstays_v1): once per visitor
    overstay_notified_at timestamptz,
    constraint visitors_site_length check (length(site) between 1 and 64),
    constraint visitors_name_present check (purged_at is not null or length(btrim(name)) between 1 and 200),
    constraint visitors_company_length check (length(company) <= 200),
    constraint visitors_purpose_length check (length(purpose) <= 500),
    constraint visitors_badge_code_length check (length(badge_code) between 1 and 64),
    constraint visitors_signed_in_by_length check (length(signed_in_by) <= 320),
    constraint visitors_signed_out_by_length check (length(signed_out_by) <= 320),
    constraint visitors_signed_out_after_in check (signed_out_at >= signed_in_at),
    constraint visitors_purged_has_no_personal_data check (
        purged_at is null or (name is null and company is null and purpose is null and badge_code is null)
    )
);

-- A temporary badge is held by one visitor at a time (while signed in).
create unique index visitors_badge_signed_in_key on app.visitors (badge_code)
where signed_out_at is null and badge_code is not null;
-- Today's list per site, and the retention purge (oldest first).
create index visitors_site_signed_in_idx on app.visitors (site, signed_in_at);
create index visitors_to_purge_idx on app.visitors (signed_in_at) where purged_at is null;
create index visitors_host_idx on app.visitors (host_employee_id, signed_in_at);
-- Still signed in and not yet announced as overstaying: what the overstay job picks.
create index visitors_overstay_due_idx on app.visitors (signed_in_at)
where signed_out_at is null and overstay_notified_at is null;

alter table app.visitors enable row level security;

comment on table app.visitors is
'Visitors signed in at a site for a host employee; personal data purged after visitor_retention_days.';
