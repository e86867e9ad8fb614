-- hithonix:as-superuser
-- citext's functions for every role (migration 0143): the superuser's default
-- privileges (0001) revoke EXECUTE from PUBLIC, which made every e-mail
-- comparison and check fail outside the superuser.
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
