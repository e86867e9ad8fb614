"""The request envelope: one API call done the way PostgREST (v12/13) does it.

Product code (the Slack app's direct mode, ``worker.slack.api``) and the test
emulator (``worker.devtools.pgrest``, used by every API test, the demo and the
benchmarks) share this one implementation.

Connects as ``authenticator`` (so a missing ``GRANT role TO authenticator``
fails), opens one READ COMMITTED transaction (READ ONLY for GET and for POST
to a STABLE/IMMUTABLE function), sets search_path, role, request.jwt.claims,
request.method, request.path and request.headers locally in one statement,
runs the pre-request function, then the call, and maps SQLSTATE to HTTP status
as PostgREST does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jwt
import psycopg
from psycopg import sql

PRE_REQUEST = "app.pre_request"

# PostgREST's per-request settings, set locally in one statement.
REQUEST_SETTINGS = """
select set_config('search_path', %s, true),
       set_config('role', %s, true),
       set_config('request.jwt.claims', %s, true),
       set_config('request.method', %s, true),
       set_config('request.path', %s, true),
       set_config('request.headers', %s, true)
"""

# PostgREST (>= 11.1) applies the impersonated role's ALTER ROLE … SET settings
# (statement_timeout, …) to the request's transaction.
ROLE_SETTINGS = """
select set_config(split_part(s, '=', 1), substr(s, strpos(s, '=') + 1), true)
from pg_db_role_setting as r, unnest(r.setconfig) as s
where r.setrole = (select oid from pg_roles where rolname = %s)
    and r.setdatabase in (0, (select oid from pg_database where datname = current_database()))
order by r.setdatabase
"""


def transaction_mode(read_only: bool) -> str:
    """The isolation and access mode PostgREST opens a request's transaction with."""
    return "isolation level read committed, " + ("read only" if read_only else "read write")


def start_request(
    conn: psycopg.Connection,
    *,
    role: str,
    claims: dict[str, Any],
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    schema: str = "api",
) -> None:
    """PostgREST's preamble inside the request's open transaction: the settings, then pre-request."""
    conn.execute(
        REQUEST_SETTINGS,
        [f'"{schema}", "public"', role, json.dumps(claims), method, path, json.dumps(headers or {})],
    )
    conn.execute(ROLE_SETTINGS, [role])
    conn.execute(f"select {PRE_REQUEST}()")


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        """The business error code (MESSAGE) of an error response."""
        return self.body.get("message") if isinstance(self.body, dict) else None


def http_status(sqlstate: str, anonymous: bool) -> int:
    """PostgREST's SQLSTATE → HTTP status mapping (the subset we can produce)."""
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    table = {
        "23505": 409,
        "23503": 409,
        "25006": 405,
        "P0001": 400,
        "42883": 404,
        "42P01": 404,
        "22P02": 400,
        "57014": 500,
        "23514": 400,
        "23502": 400,
    }
    if sqlstate == "42501":
        return 401 if anonymous else 403
    if sqlstate in table:
        return table[sqlstate]
    if sqlstate.startswith(("08", "53")):
        return 503
    if sqlstate.startswith("22"):
        return 400
    return 500


def raised_response(message: str | None, detail: str | None) -> Response:
    """PostgREST's answer to ``RAISE SQLSTATE 'PGRST'``: MESSAGE is the body, DETAIL the status and headers."""
    try:
        body = json.loads(message or "")
        spec = json.loads(detail or "")
        return Response(int(spec["status"]), body, {str(k): str(v) for k, v in spec.get("headers", {}).items()})
    except (ValueError, KeyError, TypeError, AttributeError):
        return Response(500, {"code": "PGRST121", "message": "could not parse RAISE 'PGRST' error"})


def claims_from_token(token: str, secret: str) -> dict[str, Any]:
    """Verify a JWT as PostgREST does (HS256, exp) and return its claims."""
    return jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["role"]})


class DirectApi:
    """API calls through a direct connection as ``authenticator``, one transaction each, exactly as
    PostgREST runs them (``claims`` are what PostgREST would have verified from the JWT)."""

    def __init__(self, authenticator_url: str, schema: str = "api") -> None:
        self.url = authenticator_url
        self.schema = schema

    def _function(self, conn: psycopg.Connection, name: str) -> tuple[list[str], list[str], str] | None:
        row = conn.execute(
            """
            select coalesce(p.proargnames[1:p.pronargs], '{}'),
                   array(select format_type(t, null) from unnest(p.proargtypes) as t),
                   p.provolatile::text
            from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = %s and p.proname = %s
            """,
            [self.schema, name],
        ).fetchone()
        return (list(row[0]), list(row[1]), row[2]) if row else None

    def request(
        self,
        method: str,
        path: str,
        *,
        claims: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        filters: dict[str, Any] | None = None,
        text_body: str | None = None,
    ) -> Response:
        claims = claims or {}
        role = claims.get("role", "anon")
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        with psycopg.connect(self.url, autocommit=True) as conn:
            if method == "POST" and path.startswith("/rpc/"):
                fn = self._function(conn, path.removeprefix("/rpc/"))
                if fn is None:
                    return Response(404, {"code": "PGRST202", "message": "function not found"})
                names, types, volatility = fn
                if text_body is not None:
                    # a raw body reaches a function with one unnamed text parameter (text/plain only)
                    if not lowered.get("content-type", "").startswith("text/plain"):
                        return Response(415, {"code": "PGRST107", "message": "send a raw body as text/plain"})
                    if names or types != ["text"]:
                        return Response(404, {"code": "PGRST202", "message": "no function with one unnamed text"})
                    body = None
                unknown = set(body or {}) - set(names)
                if unknown:
                    return Response(404, {"code": "PGRST202", "message": f"no such arguments {unknown}"})
                read_only = volatility in ("s", "i")
                args = [
                    sql.SQL("{} => {}::{}").format(
                        sql.Identifier(n), sql.Placeholder(n), sql.SQL(types[names.index(n)])
                    )
                    for n in (body or {})
                ]
                if text_body is not None:
                    args = [sql.SQL("{}::text").format(sql.Placeholder("body"))]
                query = sql.SQL("select to_jsonb({}.{}({})) as body").format(
                    sql.Identifier(self.schema),
                    sql.Identifier(path.removeprefix("/rpc/")),
                    sql.SQL(", ").join(args),
                )
                params = {
                    k: (json.dumps(v) if isinstance(v, dict | list) and "json" in types[names.index(k)] else v)
                    for k, v in (body or {}).items()
                }
                if text_body is not None:
                    params = {"body": text_body}
            elif method == "GET":
                read_only = True
                where = [sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in (filters or {})]
                query = sql.SQL("select coalesce(jsonb_agg(t), '[]') from {}.{} as t{}").format(
                    sql.Identifier(self.schema),
                    sql.Identifier(path.strip("/")),
                    sql.SQL(" where ") + sql.SQL(" and ").join(where) if where else sql.SQL(""),
                )
                params = dict(filters or {})
            else:
                raise ValueError(f"unsupported request {method} {path}")

            try:
                with conn.transaction():
                    conn.execute(f"set transaction {transaction_mode(read_only)}")
                    start_request(
                        conn, role=role, claims=claims, method=method, path=path, headers=lowered, schema=self.schema
                    )
                    row = conn.execute(query, params).fetchone()
                    status_row = conn.execute("select current_setting('response.status', true)").fetchone()
            except psycopg.Error as exc:
                diag = exc.diag
                sqlstate = diag.sqlstate or "XX000"
                if sqlstate == "PGRST":
                    return raised_response(diag.message_primary, diag.message_detail)
                return Response(
                    http_status(sqlstate, anonymous=role == "anon"),
                    {
                        "code": sqlstate,
                        "message": diag.message_primary,
                        "details": diag.message_detail,
                        "hint": diag.message_hint,
                    },
                )
        status = int(status_row[0]) if status_row and status_row[0] else 200
        return Response(status, row[0] if row else None)

    def rpc(self, name: str, body: dict[str, Any] | None = None, **kw: Any) -> Response:
        return self.request("POST", f"/rpc/{name}", body=body or {}, **kw)

    def get(self, view: str, **kw: Any) -> Response:
        return self.request("GET", f"/{view}", **kw)
