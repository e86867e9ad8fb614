-- hithonix:as-superuser
-- Business refusals (app.fail, SQLSTATE PTxxx) are answers, not faults: app.fail
-- raises them with log_min_messages = fatal for the failing transaction, so
-- PostgreSQL writes no ERROR line per refused punch. Setting that parameter
-- needs this grant (PostgreSQL 15 parameter privileges; superuser only). Where
-- the migration does not run as a superuser, the refusals stay in the log and
-- the notice says what a DBA should grant.
do $$
begin
    if (select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = current_user) then
        grant set on parameter log_min_messages
        to authenticator, anon, employee, approver, hr_admin, kiosk, hithonix_worker, hithonix_owner;
    else
        raise notice 'not a superuser: run "grant set on parameter log_min_messages to authenticator, anon, '
        'employee, approver, hr_admin, kiosk, hithonix_worker, hithonix_owner" as one to keep refusals out of the log';
    end if;
end
$$;
