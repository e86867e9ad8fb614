"""Who a Slack user is, and the API calls made as them.

Identity: ``app.slack_identity_v1`` (as hithonix_worker) maps a Slack user id to
the employee; unknown or inactive users get ``IdentityError`` with a sentence.

Calls: each action is one API call with exactly PostgREST's claims (role,
employee_id, sub = the Slack user id), in one transaction: through PostgREST
when ``PGRST_URL`` is set (a short-lived HS256 token signed with
PGRST_JWT_SECRET), else through a direct connection as ``authenticator`` with
the shared request envelope (``worker.db.request``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
from psycopg_pool import ConnectionPool

from worker.db.request import DirectApi, Response

TOKEN_TTL_SECONDS = 60
Filters = dict[str, Any]


class IdentityError(Exception):
    """The Slack user is not an active employee; ``str()`` is the sentence to show."""


@dataclass(frozen=True)
class Identity:
    slack_user_id: str
    employee_id: str
    role: str
    full_name: str

    @property
    def claims(self) -> dict[str, Any]:
        """Exactly the claims PostgREST would verify from this employee's token."""
        return {"role": self.role, "employee_id": self.employee_id, "sub": self.slack_user_id}

    @property
    def is_manager(self) -> bool:
        return self.role in ("approver", "hr_admin")


class Identities:
    """Slack user id → employee, through the worker role's one lookup function."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def resolve(self, slack_user_id: str) -> Identity:
        with self.pool.connection() as conn:
            row = conn.execute("select app.slack_identity_v1(%s)", [slack_user_id]).fetchone()
        found = row[0] if row else None
        if not found:
            raise IdentityError(
                "Your Slack account is not linked to a Hithonix employee. Ask HR to add your Slack user id"
                f" ({slack_user_id}) to your employee record."
            )
        if not found["active"]:
            raise IdentityError("Your Hithonix employee record is not active, so attendance is closed for you.")
        return Identity(slack_user_id, str(found["employee_id"]), str(found["role"]), str(found["full_name"]))


class Api(Protocol):
    def rpc(self, name: str, body: dict[str, Any] | None = None, *, claims: dict[str, Any] | None = None) -> Response:
        """POST /rpc/<name> as these claims."""
        ...

    def get(
        self, view: str, *, claims: dict[str, Any] | None = None, filters: dict[str, Any] | None = None
    ) -> Response:
        """GET /<view>?<column>=eq.<value>… as these claims."""
        ...


class PostgrestApi:
    """The same calls through a running PostgREST (PGRST_URL)."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_seconds: float = 10.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout_seconds)
        self.secret = jwt_secret

    def _headers(self, claims: dict[str, Any] | None) -> dict[str, str]:
        if not claims:
            return {}
        token = jwt.encode({**claims, "exp": int(time.time()) + TOKEN_TTL_SECONDS}, self.secret, algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _response(answer: httpx.Response) -> Response:
        try:
            body = answer.json() if answer.content else None
        except ValueError:
            body = {"code": "PGRST000", "message": "UNEXPECTED_RESPONSE", "details": answer.text[:200]}
        return Response(answer.status_code, body, dict(answer.headers))

    def rpc(self, name: str, body: dict[str, Any] | None = None, *, claims: dict[str, Any] | None = None) -> Response:
        return self._response(self.http.post(f"/rpc/{name}", json=body or {}, headers=self._headers(claims)))

    def get(
        self, view: str, *, claims: dict[str, Any] | None = None, filters: dict[str, Any] | None = None
    ) -> Response:
        params = {k: "eq." + (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (filters or {}).items()}
        return self._response(self.http.get(f"/{view}", params=params, headers=self._headers(claims)))


def make_api(pgrst_url: str | None, authenticator_url: str, jwt_secret: str) -> Api:
    """PostgREST when its URL is given, else the direct envelope as authenticator."""
    if pgrst_url:
        return PostgrestApi(pgrst_url, jwt_secret)
    return DirectApi(authenticator_url)


def refusal(response: Response) -> str:
    """The API's sentence for a refused call (its DETAIL), never a stack trace."""
    body = response.body if isinstance(response.body, dict) else {}
    detail = body.get("details") or body.get("detail")
    return str(detail or body.get("message") or f"The request was refused (HTTP {response.status}).")


def open_pool(db_url: str) -> ConnectionPool:
    return ConnectionPool(db_url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=True, name="slack")


__all__ = ["Api", "Identities", "Identity", "IdentityError", "Response", "make_api", "open_pool"]
