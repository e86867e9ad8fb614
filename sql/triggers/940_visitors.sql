-- app.visitors: one trigger.
--   _900_notify  AFTER INSERT OR UPDATE OF signed_out_at, per row: NOTIFY on
--                channel `visitors` with ids only ({"op", "visitor_id", "site",
--                "host_employee_id", "at"}; never a name). PostgreSQL delivers it
--                at commit, in commit order, and never for a rolled-back sign-in.
--                The retention purge does not touch signed_out_at, so it is silent.

create or replace function app.tg_visitors__notify() returns trigger
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    perform pg_notify('visitors', json_build_object(
        'op', case when tg_op = 'INSERT' then 'sign_in' else 'sign_out' end,
        'visitor_id', new.id,
        'site', new.site,
        'host_employee_id', new.host_employee_id,
        'at', case when tg_op = 'INSERT' then new.signed_in_at else new.signed_out_at end
    )::text);
    return null;
end
$$;

create or replace trigger _900_notify
after insert or update of signed_out_at on app.visitors
for each row execute function app.tg_visitors__notify();
