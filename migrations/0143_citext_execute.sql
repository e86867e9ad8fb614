-- hithonix:as-superuser
-- citext's functions were created by the superuser after 0001 revoked EXECUTE
-- from PUBLIC by default, so no role but the superuser could compare or check
-- an e-mail: every write of app.employees by the owner (api.upsert_employee,
-- badge assignment, imports) and every e-mail filter failed with "permission
-- denied for function citext_eq" in a real database. The test databases hid
-- it (the pgTAP helpers grant EXECUTE on every function in public). Restore
-- PostgreSQL's default for this extension: its functions are pure type
-- support, harmless to any role.
do $$
declare
    v_function regprocedure;
begin
    for v_function in
        select d.objid::regprocedure
        from pg_catalog.pg_depend as d
        inner join pg_catalog.pg_extension as x on d.refobjid = x.oid
        where x.extname = 'citext' and d.classid = 'pg_catalog.pg_proc'::regclass and d.deptype = 'e'
    loop
        execute format('grant execute on function %s to public', v_function);
    end loop;
end
$$;
