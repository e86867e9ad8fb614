"""PostgREST over HTTP without the binary: the request emulator behind a loopback
server on the shared sandbox base, for clients that talk to PostgREST by URL (the
Slack app with ``PGRST_URL``). It verifies the bearer token as PostgREST does
(HS256 with the JWT secret; no token: ``anon``), then runs the request through
the emulator: ``POST /rpc/<function>`` with a JSON object, ``GET /<view>`` with
``column=eq.value`` filters; a text answer asked for with ``Accept: text/csv`` (a function
returning ``api."text/csv"``) is served raw, as PostgREST does. Every request is recorded with the claims it ran as.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jwt
from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from worker.devtools.pgrest import PostgrestEmulator, claims_from_token
from worker.devtools.sandbox import Answer, Call, RecordingSandbox, SandboxApp, SandboxState


class PostgrestHttpApp(SandboxApp):
    rules: ClassVar[list[Rule]] = [
        Rule("/rpc/<name>", endpoint="rpc", methods=["POST"]),
        Rule("/<view>", endpoint="view", methods=["GET"]),
    ]

    def __init__(self, state: SandboxState, emulator: PostgrestEmulator, jwt_secret: str) -> None:
        super().__init__(state)
        self.emulator = emulator
        self.secret = jwt_secret

    def _claims(self, request: Request) -> dict[str, Any] | Answer:
        auth = request.headers.get("Authorization", "")
        if not auth:
            return {"role": "anon"}
        try:
            return claims_from_token(auth.removeprefix("Bearer "), self.secret)
        except jwt.PyJWTError as exc:
            return Answer(401, {"code": "PGRST301", "message": f"JWT invalid: {exc}", "details": None, "hint": None})

    def _answer(self, response: Any) -> Answer:
        return Answer(response.status, response.body)

    def on_rpc(self, request: Request, name: str) -> Answer:
        claims = self._claims(request)
        body = self.json_body(request)
        self.state.record(Call(f"POST /rpc/{name}", request.path, {"claims": claims, "body": body}))
        if isinstance(claims, Answer):
            return claims
        if not isinstance(body, dict):
            return Answer(400, {"code": "PGRST102", "message": "send a JSON object"})
        response = self.emulator.rpc(name, body, claims=claims)
        if "text/csv" in request.headers.get("Accept", "") and response.status < 300 and isinstance(response.body, str):
            return Answer(response.status, response.body, {"Content-Type": "text/csv; charset=utf-8"})
        return self._answer(response)

    def on_view(self, request: Request, view: str) -> Answer:
        claims = self._claims(request)
        filters = {k: v.removeprefix("eq.") for k, v in request.args.items() if v.startswith("eq.")}
        self.state.record(Call(f"GET /{view}", request.path, {"claims": claims, "filters": filters}))
        if isinstance(claims, Answer):
            return claims
        if len(filters) != len(request.args):
            return Answer(400, {"code": "PGRST100", "message": "this stand-in understands eq. filters only"})
        typed = {k: {"true": True, "false": False}.get(v, v) for k, v in filters.items()}
        return self._answer(self.emulator.get(view, claims=claims, filters=typed))


class PostgrestHttp(RecordingSandbox):
    name = "postgrest-http"

    def __init__(self, authenticator_url: str, jwt_secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(PostgrestHttpApp(SandboxState(), PostgrestEmulator(authenticator_url), jwt_secret), host, port)
