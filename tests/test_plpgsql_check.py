"""Static checks of every PL/pgSQL function in app with plpgsql_check."""

from __future__ import annotations

import psycopg


def test_no_plpgsql_check_errors(owner: psycopg.Connection) -> None:
    owner.execute("create extension if not exists plpgsql_check")
    rows = owner.execute(
        """
        select p.oid::regprocedure::text, r.level, r.message, r.lineno
        from pg_proc as p
        join pg_namespace as n on n.oid = p.pronamespace
        join pg_language as l on l.oid = p.prolang
        cross join lateral plpgsql_check_function_tb(
            p.oid,
            relid => coalesce((select t.tgrelid from pg_trigger as t where t.tgfoid = p.oid limit 1), 0),
            newtable => (select case when t.tgnewtable is not null then 'new_rows' end
                         from pg_trigger as t where t.tgfoid = p.oid limit 1),
            oldtable => (select case when t.tgoldtable is not null then 'old_rows' end
                         from pg_trigger as t where t.tgfoid = p.oid limit 1)
        ) as r
        where n.nspname = 'app' and l.lanname = 'plpgsql' and r.level = 'error'
          and (p.prorettype <> 'trigger'::regtype
               or exists (select 1 from pg_trigger as t where t.tgfoid = p.oid))
        """
    ).fetchall()
    assert rows == []
