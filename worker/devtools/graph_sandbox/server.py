"""Local Microsoft Graph sandbox: a real HTTPS server on loopback that behaves like
Microsoft's identity platform and the Graph calendar API, as far as the calendar
worker uses them.

This module owns the HTTP side (routing with werkzeug, Graph's and Entra's error
envelopes, the threaded TLS server). What the sandbox remembers and the rules it
applies live in ``state``; the tenant and app registration in ``config``; the
certificates in ``tls`` (msal accepts only https authorities). The worker reaches
it only through its ordinary settings (``GRAPH_AUTHORITY_URL``, ``GRAPH_BASE_URL``,
``GRAPH_CA_BUNDLE``); nothing in the worker knows it is talking to a sandbox.

It serves
  * ``GET  /{tenant}/v2.0/.well-known/openid-configuration``   OIDC discovery (msal reads it)
  * ``POST /{tenant}/oauth2/v2.0/token``     client-credentials token (form: client_id,
                                            client_secret, scope=https://graph.microsoft.com/.default,
                                            grant_type=client_credentials); AADSTS errors
  * ``POST   /v1.0/users/{id}/events``              create (all-day rules, transactionId de-duplication)
  * ``GET    /v1.0/users/{id}/events[/{event-id}]`` read
  * ``DELETE /v1.0/users/{id}/events/{event-id}``   delete (404 ErrorItemNotFound when gone)
and a control API under ``/_sandbox/`` (loopback clients only, no auth; fault keys: see ``state``):

  GET    /_sandbox/events    live events, with their mailbox
  GET    /_sandbox/deleted   deleted events
  GET    /_sandbox/stats     requests per endpoint, responses, faults injected, de-duplicated creates
  GET    /_sandbox/faults    the active fault configuration
  POST   /_sandbox/faults    merge keys into the fault configuration
  DELETE /_sandbox/faults    clear all faults
  POST   /_sandbox/reset     forget tokens, events, faults, statistics
  GET    /_sandbox/ca        the CA certificate clients must trust (PEM)

Run it standalone with ``python -m worker.devtools.graph_sandbox --port 0`` (or
``python -m worker graph-sandbox``); it prints ``GRAPH_SANDBOX_READY <url> <ca.pem>``
once it is listening.
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import click
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from worker.config import GraphSandboxSettings, GraphSettings
from worker.devtools.graph_sandbox.config import GRAPH_SCOPE, GraphSandboxConfig, graph_settings
from worker.devtools.graph_sandbox.state import (
    Clock,
    GraphError,
    GraphSandboxState,
    Json,
    SandboxConfigError,
    request_id,
    validate_event,
)
from worker.devtools.graph_sandbox.tls import TlsFiles, make_tls_files
from worker.devtools.sandbox import Answer, SandboxServer, serve_until_stopped


def _graph_error(error: GraphError, client_request_id: str | None) -> Answer:
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id(),
                "client-request-id": client_request_id or request_id(),
            },
        }
    }
    return Answer(error.status, body, headers)


def _identity_error(status: int, error: str, code: int, description: str, retry_after: int | None = None) -> Answer:
    """Entra ID's OAuth error body: ``error``, ``error_description`` starting with AADSTS<code>, ``error_codes``."""
    trace = request_id()
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace}",
        "error_codes": [code],
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": trace,
        "correlation_id": request_id(),
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return Answer(status, body, {} if retry_after is None else {"Retry-After": str(retry_after)})


_GRAPH_FAULT_CODES = {
    429: ("TooManyRequests", "Application is over its MailboxConcurrency limit."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "The server received an invalid response from an upstream server."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "The upstream server did not answer in time."),
}

ROUTES = Map(
    [
        Rule("/<tenant>/v2.0/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
        Rule("/<tenant>/oauth2/v2.0/token", endpoint="token"),
        Rule("/v1.0/users/<user>/events", endpoint="events"),
        Rule("/v1.0/users/<user>/events/<event_id>", endpoint="event"),
        Rule("/v1.0/<path:rest>", endpoint="graph_other"),
        Rule("/_sandbox/events", endpoint="control_events", methods=["GET"]),
        Rule("/_sandbox/deleted", endpoint="control_deleted", methods=["GET"]),
        Rule("/_sandbox/stats", endpoint="control_stats", methods=["GET"]),
        Rule("/_sandbox/faults", endpoint="control_faults", methods=["GET"]),
        Rule("/_sandbox/faults", endpoint="control_set_faults", methods=["POST"]),
        Rule("/_sandbox/faults", endpoint="control_clear_faults", methods=["DELETE"]),
        Rule("/_sandbox/reset", endpoint="control_reset", methods=["POST"]),
        Rule("/_sandbox/ca", endpoint="control_ca", methods=["GET"]),
    ],
    strict_slashes=False,
)


class GraphSandboxApp:
    """The WSGI application: one request → one ``Answer``; all state in ``state``."""

    def __init__(self, state: GraphSandboxState, ca_pem: str) -> None:
        self.state = state
        self.ca_pem = ca_pem

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            answer = self.dispatch(request)
        except SandboxConfigError as exc:
            answer = Answer(400, {"error": str(exc)})
        except Exception as exc:  # a sandbox bug must still produce an HTTP answer
            traceback.print_exc()
            answer = Answer(500, {"error": {"code": "InternalServerError", "message": f"sandbox error: {exc!r}"}})
        self.state.count_response(answer.status)
        if answer.body is None:
            return Response(None, answer.status, answer.headers)(environ, start_response)
        if isinstance(answer.body, str):
            response = Response(answer.body, answer.status, answer.headers, content_type="text/plain")
        else:
            response = Response(json.dumps(answer.body), answer.status, answer.headers, content_type="application/json")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Answer:
        path = request.path.rstrip("/") or "/"
        method = request.method
        if path.startswith("/_sandbox"):
            self.state.count_request(f"{method} {path}")
            if not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
                return Answer(403, {"error": "control API is loopback-only"})
        try:
            endpoint, arguments = ROUTES.bind_to_environ(request.environ).match(path, method=method)
        except HTTPException:
            self.state.count_request("other")
            return Answer(404, {"error": {"code": "NotFound", "message": f"No route {method} {path}."}})
        handler: Callable[..., Answer] = getattr(self, f"on_{endpoint}")
        return handler(request, **arguments)

    def _hang(self, key: str, method: str) -> None:
        seconds = self.state.take_hang(key, method)
        if seconds > 0:
            self.state.stopping.wait(seconds)

    def _base(self, request: Request) -> str:
        return request.host_url.rstrip("/")

    # -- identity platform -------------------------------------------------------------

    def _tenant_known(self, tenant: str) -> bool:
        return tenant.lower() == self.state.config.tenant_id.lower()

    def on_discovery(self, request: Request, tenant: str) -> Answer:
        self.state.count_request("GET /{tenant}/v2.0/.well-known/openid-configuration")
        if not self._tenant_known(tenant):
            return _identity_error(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the"
                " correct tenant ID and are signing into the correct cloud.",
            )
        base = f"{self._base(request)}/{tenant}"
        return Answer(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": "AS",
            },
        )

    def on_token(self, request: Request, tenant: str) -> Answer:
        state = self.state
        state.count_request("POST /{tenant}/oauth2/v2.0/token")
        if request.method != "POST":
            return _identity_error(405, "invalid_request", 900561, "The endpoint only accepts POST requests.")
        self._hang("token_hang", "POST")
        fault = state.take_status_fault("token", "POST")
        if fault is not None:
            if fault.status in (400, 401):
                return _identity_error(
                    401, "invalid_client", 7000222, "The provided client secret keys for app are expired."
                )
            if fault.status == 429:
                return _identity_error(429, "temporarily_unavailable", 50196, "Too many requests.", fault.retry_after)
            return _identity_error(
                fault.status, "temporarily_unavailable", 90033, "A transient error has occurred.", fault.retry_after
            )
        if not self._tenant_known(tenant):
            return _identity_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        form = {key: values[0] for key, values in parse_qs(request.get_data().decode("utf-8", "replace")).items()}
        config = state.config
        if form.get("grant_type") != "client_credentials":
            return _identity_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if form.get("client_id") != config.client_id:
            return _identity_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory.",
            )
        if form.get("client_secret") != config.client_secret:
            return _identity_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client"
                " secret value, not the client secret ID.",
            )
        if form.get("scope") != GRAPH_SCOPE:
            return _identity_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} is not valid. Client credential flows must"
                " have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        token, ttl = state.issue_token()
        return Answer(200, {"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token})

    # -- Graph -------------------------------------------------------------------------

    def _graph(self, request: Request, handle: Callable[[], Answer]) -> Answer:
        """Hang, injected failure and Bearer auth, then ``handle``; GraphError → its envelope."""
        client_request_id = request.headers.get("client-request-id")
        try:
            self._hang("graph_hang", request.method)
            fault = self.state.take_status_fault("graph", request.method)
            if fault is not None:
                code, message = _GRAPH_FAULT_CODES.get(fault.status, ("BadRequest", "Injected fault."))
                raise GraphError(fault.status, code, message, fault.retry_after)
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
            if not self.state.token_valid(token.strip()):
                raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
            return handle()
        except GraphError as error:
            answer = _graph_error(error, client_request_id)
            if error.status == 401:
                answer.headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
            return answer

    def on_events(self, request: Request, user: str) -> Answer:
        self.state.count_request(f"{request.method} /v1.0/users/{{id}}/events")
        if request.method not in ("GET", "POST"):
            return _graph_error(GraphError(405, "Request_BadRequest", "Method not allowed."), None)

        def handle() -> Answer:
            mailbox = self.state.mailbox(user)
            if request.method == "GET":
                return Answer(200, {"value": self.state.list_events(mailbox)})
            try:
                payload = json.loads(request.get_data() or b"null")
            except ValueError as exc:
                raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from exc
            # a de-duplicated create is answered as the first one was
            return Answer(201, self.state.create_event(mailbox, validate_event(payload)))

        return self._graph(request, handle)

    def on_event(self, request: Request, user: str, event_id: str) -> Answer:
        self.state.count_request(f"{request.method} /v1.0/users/{{id}}/events/{{event-id}}")
        if request.method not in ("GET", "DELETE"):
            return _graph_error(GraphError(405, "Request_BadRequest", "Method not allowed."), None)

        def handle() -> Answer:
            mailbox = self.state.mailbox(user)
            if request.method == "GET":
                return Answer(200, self.state.event(mailbox, event_id))
            self.state.delete_event(mailbox, event_id)
            return Answer(204, None)

        return self._graph(request, handle)

    def on_graph_other(self, request: Request, rest: str) -> Answer:
        self.state.count_request("other /v1.0/*")
        return self._graph(
            request,
            lambda: _graph_error(GraphError(400, "BadRequest", f"Resource not found for the segment '{rest}'."), None),
        )

    # -- control API -------------------------------------------------------------------

    def _payload(self, request: Request) -> Json:
        body = request.get_data()
        try:
            return json.loads(body) if body else None
        except ValueError as exc:
            raise SandboxConfigError("body must be JSON") from exc

    def on_control_events(self, request: Request) -> Answer:
        events = self.state.all_events()
        return Answer(200, {"events": events, "count": len(events)})

    def on_control_deleted(self, request: Request) -> Answer:
        events = self.state.deleted_events()
        return Answer(200, {"events": events, "count": len(events)})

    def on_control_stats(self, request: Request) -> Answer:
        return Answer(200, self.state.stats())

    def on_control_faults(self, request: Request) -> Answer:
        return Answer(200, {"faults": self.state.faults_json()})

    def on_control_set_faults(self, request: Request) -> Answer:
        return Answer(200, {"faults": self.state.set_faults(self._payload(request))})

    def on_control_clear_faults(self, request: Request) -> Answer:
        self.state.clear_faults()
        return Answer(200, {"faults": self.state.faults_json()})

    def on_control_reset(self, request: Request) -> Answer:
        self.state.reset()
        return Answer(200, {"reset": True})

    def on_control_ca(self, request: Request) -> Answer:
        return Answer(200, self.ca_pem)


class GraphSandbox(SandboxServer):
    """The sandbox on a background thread: ``start``/``stop`` or ``with``."""

    name = "graph-sandbox"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_ttl_seconds: int | None = None,
        clock: Clock = time.time,
        verbose: bool = False,
    ) -> None:
        """Arguments left as None fall back to GRAPH_SANDBOX_* variables, then defaults.

        ``clock`` is the time source for token expiry.
        """
        self.config = GraphSandboxConfig.from_env(
            tenant_id=tenant_id, client_id=client_id, client_secret=client_secret, token_ttl_seconds=token_ttl_seconds
        )
        self._state = GraphSandboxState(self.config, clock)
        self._tls_dir = tempfile.TemporaryDirectory(prefix="graph-sandbox-")
        self.tls: TlsFiles = make_tls_files(Path(self._tls_dir.name))
        super().__init__(
            GraphSandboxApp(self._state, self.tls.ca_file.read_text()),
            self._state,
            host,
            port,
            ssl_context=self.tls.server_context(),
            verbose=verbose,
        )

    @property
    def ca_bundle(self) -> str:
        """Path of the CA certificate (PEM) that clients trust: ``GRAPH_CA_BUNDLE``."""
        return str(self.tls.ca_file)

    def graph_settings(self, **overrides: Any) -> GraphSettings:
        """Calendar-worker settings pointed at this sandbox, with its credentials."""
        return graph_settings(self.url, self.ca_bundle, self.config, **overrides)

    def stop(self) -> None:
        """Stop serving (the shared life cycle), then remove the certificates."""
        super().stop()
        self._tls_dir.cleanup()

    # Python accessors mirroring the control API; all go through the one state lock.

    def events(self) -> list[dict[str, Json]]:
        """Live events, each with its ``mailbox``."""
        return self._state.all_events()

    def deleted_events(self) -> list[dict[str, Json]]:
        return self._state.deleted_events()

    def set_faults(self, faults: dict[str, Json]) -> dict[str, Json]:
        return self._state.set_faults(faults)

    def clear_faults(self) -> None:
        self._state.clear_faults()

    def faults(self) -> dict[str, Json]:
        return self._state.faults_json()

    def reset(self) -> None:
        self._state.reset()

    def stats(self) -> dict[str, Json]:
        return self._state.stats()


def serve(sandbox: GraphSandbox) -> None:
    """Announce the URL and CA file, serve until SIGTERM or Ctrl-C, then stop."""
    serve_until_stopped(sandbox, lambda running: f"GRAPH_SANDBOX_READY {running.url} {sandbox.ca_bundle}")


_DEFAULTS = GraphSandboxSettings()


@click.command(name="graph-sandbox", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=_DEFAULTS.host, show_default=True, help="listen address (GRAPH_SANDBOX_HOST)")
@click.option("--port", type=int, default=_DEFAULTS.port, show_default=True, help="0 = any free port")
@click.option("--tenant-id", help="directory (tenant) id (GRAPH_SANDBOX_TENANT_ID)")
@click.option("--client-id", help="application (client) id (GRAPH_SANDBOX_CLIENT_ID)")
@click.option("--client-secret", help="client secret (GRAPH_SANDBOX_CLIENT_SECRET)")
@click.option("--token-ttl-seconds", type=int, help="token lifetime (GRAPH_SANDBOX_TOKEN_TTL_SECONDS)")
@click.option("--verbose", is_flag=True, help="log each request to stderr")
def main(host: str, port: int, verbose: bool, **registration: Any) -> None:
    """Local Microsoft Graph sandbox (HTTPS on loopback): token endpoint, calendar events, fault switches."""
    serve(GraphSandbox(host, port, verbose=verbose, **registration))
