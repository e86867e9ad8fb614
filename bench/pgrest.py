"""PostgREST's per-request transaction on a persistent connection.

worker.devtools.pgrest opens a connection per request (right for tests);
PostgREST keeps a pool, so the benchmark replays the same statements on
long-lived ``authenticator`` connections: BEGIN (READ ONLY for reads), the
request preamble of worker.devtools.pgrest (one statement of ``set_config``s,
``app.pre_request()``), the query, COMMIT.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg

from worker.devtools.pgrest import start_request, transaction_mode

PLAN = "Finish API integration and manager dashboard"


def claims(role: str, employee_id: uuid.UUID) -> dict[str, str]:
    return {"role": role, "employee_id": str(employee_id), "sub": "bench"}


def get_query(view: str, where: str, order: str | None = None, select: str = "*", group: str | None = None) -> str:
    """The SQL PostgREST 12 sends for ``GET /<view>?<filters>[&order=…]`` (JSON body built in SQL).

    ``select``/``group`` give the aggregate form (``select=employee_id,worked_minutes.sum()``).
    """
    columns = f'"api"."{view}".*' if select == "*" else select
    group_by = f" GROUP BY {group}" if group else ""
    order_by = f" ORDER BY {order}" if order else ""
    return (
        f'WITH pgrst_source AS (SELECT {columns} FROM "api"."{view}" WHERE {where}{group_by}{order_by}) '
        "SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
        "coalesce(json_agg(_postgrest_t), '[]')::text AS body, "
        "nullif(current_setting('response.headers', true), '') AS response_headers, "
        "nullif(current_setting('response.status', true), '') AS response_status, "
        "'' AS response_inserted FROM (SELECT * FROM pgrst_source) AS _postgrest_t"
    )


def rpc_query(function: str, arguments: list[tuple[str, str]]) -> str:
    """The SQL PostgREST 12 sends for ``POST /rpc/<function>`` with a JSON body (one ``%s``: the body).

    ``arguments``: (name, type) of the keys the body carries, as json_to_record reads them.
    """
    names = ", ".join(f'"{name}"' for name, _ in arguments)
    typed = ", ".join(f'"{name}" {kind}' for name, kind in arguments)
    named = ", ".join(f'"{name}" := pgrst_body."{name}"' for name, _ in arguments)
    return (
        "WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT %s::json AS json_data) pgrst_payload, "
        f"LATERAL (SELECT {names} FROM json_to_record(pgrst_payload.json_data) AS _({typed}) LIMIT 1) pgrst_body , "
        f'LATERAL (SELECT "api"."{function}"({named}) pgrst_scalar) pgrst_call) '
        "SELECT null::bigint AS total_result_set, 1 AS page_total, "
        "coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null')::text AS body, "
        "nullif(current_setting('response.headers', true), '') AS response_headers, "
        "nullif(current_setting('response.status', true), '') AS response_status, "
        f'\'\' AS response_inserted FROM (SELECT "{function}".* FROM "pgrst_source" AS "{function}") _postgrest_t'
    )


class Session:
    """One persistent ``authenticator`` connection performing PostgREST requests."""

    def __init__(self, authenticator_url: str) -> None:
        self.conn = psycopg.connect(authenticator_url, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def request(
        self,
        method: str,
        path: str,
        who: dict[str, str],
        query: str,
        params: list[Any] | None = None,
        *,
        read_only: bool,
    ) -> Any:
        """One request in its own transaction; returns its first row."""
        conn = self.conn
        conn.execute(f"begin {transaction_mode(read_only)}")
        try:
            start_request(conn, role=who["role"], claims=who, method=method, path=path)
            row = conn.execute(query, params).fetchone()
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
        return row

    def get(self, view: str, who: dict[str, str], query: str, params: list[Any]) -> Any:
        """``query`` from get_query(view, …); returns the JSON body (text)."""
        row = self.request("GET", f"/{view}", who, query, params, read_only=True)
        return row[2] if row else None

    def explain(self, who: dict[str, str], query: str, params: list[Any] | None = None) -> str:
        """EXPLAIN (ANALYZE, BUFFERS) of ``query`` as ``who``, inside the same kind of transaction."""
        rows = self.request_rows(who, f"explain (analyze, buffers) {query}", params)
        return "\n".join(r[0] for r in rows)

    def request_rows(self, who: dict[str, str], query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        conn = self.conn
        conn.execute(f"begin {transaction_mode(read_only=True)}")
        try:
            start_request(conn, role=who["role"], claims=who, method="GET", path="/explain")
            rows = conn.execute(query, params).fetchall()
        finally:
            conn.execute("rollback")
        return rows

    def clock_in(self, who: dict[str, str]) -> Any:
        return self.request(
            "POST", "/rpc/clock_in", who, "select api.clock_in(plan => %s)::text", [PLAN], read_only=False
        )

    def clock_out(self, who: dict[str, str]) -> Any:
        return self.request("POST", "/rpc/clock_out", who, "select api.clock_out()::text", read_only=False)


def ist_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30))).date()
