-- A site is one site whatever its case (lockup and presence compare
-- lower(site)), so the roster holds one duty person per site and date in any
-- case: a unique index on (lower(site), duty_date). Rows that already differ
-- only in case keep the latest assignment, which is what app.set_duty would
-- have left had it matched sites this way then (each call replaces the
-- site-day's duty person); the others go.
delete from app.duty_roster as d
where exists (
        select 1 from app.duty_roster as later
        where
            lower(later.site) = lower(d.site)
            and later.duty_date = d.duty_date
            and (later.assigned_at, later.site) > (d.assigned_at, d.site)
    );

create unique index duty_roster_site_ci_key on app.duty_roster (lower(site), duty_date);
