"""Local Keka sandbox: a real HTTP server on loopback that behaves like Keka.

This module owns the HTTP side of the stand-in for Keka that tests, the demo and
`make run` talk to (docs/keka.md, section 3): routing (werkzeug), the answers in
Keka's envelopes, and the threaded server. What the sandbox remembers and the
rules it applies live in ``state``; credentials in ``config``. The worker reaches
it only through its ordinary settings (base URLs, keys); nothing in the worker
knows it is talking to a sandbox.

It serves
  * ``POST /v1/logs``                    attendance-log ingestion (``X-API-Key``),
  * ``POST /connect/token``              HRIS token (form-encoded, grant ``kekaapi``),
  * ``GET  /api/v1/hris/employees``      paged employee list (Bearer token),
  * ``GET  /api/v1/hris/employees/{id}`` one employee (Bearer token),
applies Keka's rules (auth, strict validation of each log item, envelopes, paging,
a per-minute limit on ``/api/v1/*``), and can be told to fail through the control
API under ``/_sandbox/`` (loopback clients only, no auth; fault keys: see ``state``):

  GET    /_sandbox/logs             stored punches, with ``receipts`` per punch
  GET    /_sandbox/stats            requests per endpoint, faults injected
  GET    /_sandbox/employees        all employees
  POST   /_sandbox/employees        add, or update by id (fields merged), a list
  DELETE /_sandbox/employees/{id}   remove one employee
  GET    /_sandbox/faults           the active fault configuration
  POST   /_sandbox/faults           merge keys into the fault configuration
  DELETE /_sandbox/faults           clear all faults
  POST   /_sandbox/reset            clear punches, employees, tokens, faults, stats

Run it standalone with ``python -m worker.devtools.keka_sandbox --host 127.0.0.1 --port 0``
(or ``python -m worker sandbox``); it prints ``KEKA_SANDBOX_READY http://127.0.0.1:<port>``
once it is listening.
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode

import click
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from worker.config import KekaSettings, SandboxSettings
from worker.devtools.keka_sandbox.config import SandboxConfig, keka_settings
from worker.devtools.keka_sandbox.state import (
    EMPLOYMENT_STATUSES,
    MAX_PAGE_SIZE,
    Clock,
    Json,
    SandboxConfigError,
    SandboxState,
    device_identifier_error,
    seed_employees,
    validate_log_item,
)
from worker.devtools.sandbox import Answer, SandboxServer, serve_until_stopped


def _hris_envelope(
    *,
    succeeded: bool,
    data: Json = None,
    message: str | None = None,
    errors: list[str] | None = None,
    page_number: int | None = None,
    page_size: int | None = None,
    total_pages: int | None = None,
    total_records: int | None = None,
    next_page: str | None = None,
    previous_page: str | None = None,
) -> dict[str, Json]:
    return {
        "succeeded": succeeded,
        "message": message,
        "errors": errors or [],
        "data": data,
        "pageNumber": page_number,
        "pageSize": page_size,
        "totalPages": total_pages,
        "totalRecords": total_records,
        "nextPage": next_page,
        "previousPage": previous_page,
    }


def _logs_error(*errors: str) -> dict[str, Json]:
    return {"errors": list(errors), "succeeded": False}


def _retry_after(seconds: int | None) -> dict[str, str]:
    return {} if seconds is None else {"Retry-After": str(seconds)}


# Every route, by path; each endpoint checks the method itself so that Keka's own
# answers (405 with its envelope) and the statistics stay as they were.
ROUTES = Map(
    [
        Rule("/v1/logs", endpoint="logs"),
        Rule("/connect/token", endpoint="token"),
        Rule("/api/v1/hris/employees", endpoint="employees"),
        Rule("/api/v1/hris/employees/<employee_id>", endpoint="employee"),
        Rule("/api/v1/<path:rest>", endpoint="hris_other"),
        Rule("/_sandbox/logs", endpoint="control_logs", methods=["GET"]),
        Rule("/_sandbox/stats", endpoint="control_stats", methods=["GET"]),
        Rule("/_sandbox/employees", endpoint="control_employees", methods=["GET"]),
        Rule("/_sandbox/employees", endpoint="control_add_employees", methods=["POST"]),
        Rule("/_sandbox/employees/<employee_id>", endpoint="control_remove_employee", methods=["DELETE"]),
        Rule("/_sandbox/faults", endpoint="control_faults", methods=["GET"]),
        Rule("/_sandbox/faults", endpoint="control_set_faults", methods=["POST"]),
        Rule("/_sandbox/faults", endpoint="control_clear_faults", methods=["DELETE"]),
        Rule("/_sandbox/reset", endpoint="control_reset", methods=["POST"]),
    ],
    strict_slashes=False,
)


class SandboxApp:
    """The WSGI application: one request → one ``Answer``; all state in ``state``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            answer = self.dispatch(request)
        except SandboxConfigError as exc:
            answer = Answer(400, {"succeeded": False, "errors": [str(exc)]})
        except Exception as exc:  # a sandbox bug must still produce an HTTP answer
            traceback.print_exc()
            answer = Answer(500, {"succeeded": False, "errors": [f"sandbox error: {exc!r}"]})
        self.state.count_response(answer.status)
        response = Response(
            json.dumps(answer.body),
            answer.status,
            answer.headers,
            content_type="application/json; charset=utf-8",
        )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Answer:
        path = request.path.rstrip("/") or "/"
        method = request.method
        adapter = ROUTES.bind_to_environ(request.environ)
        if path.startswith("/_sandbox"):
            self.state.count_request(f"{method} {path}")
            if not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
                return Answer(403, {"succeeded": False, "errors": ["control API is loopback-only"]})
        try:
            endpoint, arguments = adapter.match(path, method=method)
        except HTTPException:
            if path.startswith("/_sandbox"):
                return Answer(404, {"succeeded": False, "errors": [f"no control route {method} {path}"]})
            self.state.count_request("other")
            return Answer(404, {"errors": ["not found"], "succeeded": False})
        handler: Callable[..., Answer] = getattr(self, f"on_{endpoint}")
        return handler(request, **arguments)

    def _hang(self, seconds: float) -> None:
        if seconds > 0:
            self.state.stopping.wait(seconds)

    # -- /v1/logs ----------------------------------------------------------------------

    def on_logs(self, request: Request) -> Answer:
        state = self.state
        state.count_request("POST /v1/logs")
        if request.method != "POST":
            return Answer(405, _logs_error("method not allowed"))
        self._hang(state.take_hang("logs_hang"))
        fault = state.take_status_fault("logs")
        if fault is not None:
            return Answer(
                fault.status, _logs_error(f"injected fault (HTTP {fault.status})"), _retry_after(fault.retry_after)
            )
        if request.headers.get("X-API-Key") != state.ingestion_key():
            return Answer(401, _logs_error("invalid api key"))
        try:
            items = json.loads(request.get_data())
        except (ValueError, UnicodeDecodeError):
            return Answer(400, _logs_error("body must be a JSON array"))
        if not isinstance(items, list):
            return Answer(400, _logs_error("body must be a JSON array"))
        limit = state.config.max_batch_size
        if len(items) > limit:
            return Answer(400, _logs_error(f"batch of {len(items)} exceeds the limit of {limit} logs per request"))
        device_error = device_identifier_error(items)
        if device_error is not None:
            return Answer(400, _logs_error(device_error))
        errors = [error for index, item in enumerate(items) for error in validate_log_item(index, item)]
        if errors:
            return Answer(400, _logs_error(*errors))
        poison = state.poisoned(items)
        if poison is not None:
            return Answer(500, _logs_error("An unexpected error occurred."))
        accepted = state.store_punches(items)
        return Answer(200, {"data": {"logsReceived": len(items), "logsAccepted": accepted}, "succeeded": True})

    # -- /connect/token ----------------------------------------------------------------

    def on_token(self, request: Request) -> Answer:
        state = self.state
        state.count_request("POST /connect/token")
        if request.method != "POST":
            return Answer(405, {"error": "invalid_request"})
        form = {key: values[0] for key, values in parse_qs(request.get_data().decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "kekaapi":
            return Answer(400, {"error": "unsupported_grant_type"})
        if form.get("scope") != "kekaapi":
            return Answer(400, {"error": "invalid_scope"})
        config = state.config
        if (
            form.get("client_id") != config.client_id
            or form.get("client_secret") != config.client_secret
            or form.get("api_key") != config.api_key
        ):
            return Answer(400, {"error": "invalid_client"})
        token, ttl = state.issue_token()
        return Answer(200, {"access_token": token, "expires_in": ttl, "token_type": "Bearer", "scope": "kekaapi"})

    # -- /api/v1/hris ------------------------------------------------------------------

    def _hris_guarded(self, request: Request, handle: Callable[[], Answer]) -> Answer:
        """Hang, injected failure, rate limit and Bearer auth, then ``handle``."""
        state = self.state
        self._hang(state.take_hang("hris_hang"))
        fault = state.take_status_fault("hris")
        if fault is not None:
            message = "rateLimitExceeded" if fault.status == 429 else "injectedFault"
            return Answer(
                fault.status, _hris_envelope(succeeded=False, message=message), _retry_after(fault.retry_after)
            )
        allowed, retry_after = state.check_rate_limit()
        if not allowed:
            return Answer(429, _hris_envelope(succeeded=False, message="rateLimitExceeded"), _retry_after(retry_after))
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not state.token_valid(token.strip()):
            return Answer(
                401,
                _hris_envelope(succeeded=False, message="unauthorized", errors=["invalid or expired token"]),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return handle()

    def on_hris_other(self, request: Request, rest: str) -> Answer:
        self.state.count_request("GET /api/v1/*")
        return self._hris_guarded(request, lambda: Answer(404, _hris_envelope(succeeded=False, message="notFound")))

    def on_employee(self, request: Request, employee_id: str) -> Answer:
        self.state.count_request("GET /api/v1/hris/employees/{id}")
        if request.method != "GET":
            return Answer(405, _hris_envelope(succeeded=False, message="methodNotAllowed"))
        return self._hris_guarded(request, lambda: self._one_employee(employee_id))

    def on_employees(self, request: Request) -> Answer:
        self.state.count_request("GET /api/v1/hris/employees")
        if request.method != "GET":
            return Answer(405, _hris_envelope(succeeded=False, message="methodNotAllowed"))
        return self._hris_guarded(request, lambda: self._employee_page(request))

    def _one_employee(self, employee_id: str) -> Answer:
        employee = self.state.employee(employee_id)
        if employee is None:
            return Answer(
                404,
                _hris_envelope(succeeded=False, message="notFound", errors=[f"employee {employee_id} not found"]),
            )
        return Answer(200, _hris_envelope(succeeded=True, data=employee))

    def _employee_page(self, request: Request) -> Answer:
        def bad(message: str) -> Answer:
            return Answer(400, _hris_envelope(succeeded=False, message="badRequest", errors=[message]))

        query = request.args
        try:
            page_number = int(query.get("pageNumber") or 1)
            page_size = int(query.get("pageSize") or 100)
        except ValueError:
            return bad("pageNumber and pageSize must be integers")
        if page_number < 1:
            return bad("pageNumber must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            return bad(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
        numbers_raw = query.get("employeeNumbers") or ""
        numbers = {number.strip() for number in numbers_raw.split(",") if number.strip()} or None
        status = query.get("employmentStatus") or None
        if status is not None and status not in EMPLOYMENT_STATUSES:
            return bad("employmentStatus must be Working or Relieved")
        status_code = None if status is None else EMPLOYMENT_STATUSES[status]
        # lastModified is accepted and ignored: the sandbox keeps no modification times.
        matching = self.state.employees_matching(numbers, status_code)
        total = len(matching)
        total_pages = math.ceil(total / page_size)
        start = (page_number - 1) * page_size
        filters: dict[str, str] = {}
        if numbers_raw:
            filters["employeeNumbers"] = numbers_raw
        if status is not None:
            filters["employmentStatus"] = status

        def page_url(number: int) -> str:
            params = {"pageNumber": str(number), "pageSize": str(page_size), **filters}
            return f"http://{request.host}/api/v1/hris/employees?{urlencode(params)}"

        return Answer(
            200,
            _hris_envelope(
                succeeded=True,
                data=matching[start : start + page_size],
                page_number=page_number,
                page_size=page_size,
                total_pages=total_pages,
                total_records=total,
                next_page=page_url(page_number + 1) if page_number < total_pages else None,
                previous_page=page_url(min(page_number - 1, max(total_pages, 1))) if page_number > 1 else None,
            ),
        )

    # -- /_sandbox ---------------------------------------------------------------------

    @staticmethod
    def _payload(request: Request) -> Json:
        body = request.get_data()
        try:
            return json.loads(body) if body else None
        except ValueError as exc:
            raise SandboxConfigError("body must be JSON") from exc

    def on_control_logs(self, request: Request) -> Answer:
        logs = self.state.logs()
        return Answer(200, {"logs": logs, "count": len(logs)})

    def on_control_stats(self, request: Request) -> Answer:
        return Answer(200, self.state.stats())

    def on_control_employees(self, request: Request) -> Answer:
        employees = self.state.employees_matching(None, None)
        return Answer(200, {"employees": employees, "count": len(employees)})

    def on_control_add_employees(self, request: Request) -> Answer:
        stored = self.state.add_employees(self._payload(request))
        return Answer(200, {"employees": stored, "count": len(stored)})

    def on_control_remove_employee(self, request: Request, employee_id: str) -> Answer:
        if self.state.remove_employee(employee_id):
            return Answer(200, {"deleted": employee_id})
        return Answer(404, {"succeeded": False, "errors": ["employee not found"]})

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


class KekaSandbox(SandboxServer):
    """The sandbox server on a background thread: ``start``/``stop`` or ``with``."""

    name = "keka-sandbox"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ingestion_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_key: str | None = None,
        token_ttl_seconds: int | None = None,
        rate_limit_per_minute: int | None = None,
        max_batch_size: int | None = None,
        employees: Iterable[dict[str, Json]] = (),
        clock: Clock = time.time,
        verbose: bool = False,
    ) -> None:
        """Arguments left as None fall back to KEKA_SANDBOX_* variables, then defaults.

        ``clock`` is the time source for token expiry and the rate-limit window.
        """
        self.config = SandboxConfig.from_env(
            ingestion_key=ingestion_key,
            client_id=client_id,
            client_secret=client_secret,
            api_key=api_key,
            token_ttl_seconds=token_ttl_seconds,
            rate_limit_per_minute=rate_limit_per_minute,
            max_batch_size=max_batch_size,
        )
        self._state = SandboxState(self.config, clock)
        super().__init__(SandboxApp(self._state), self._state, host, port, verbose=verbose)
        initial = list(employees)
        if initial:
            self._state.add_employees(initial)

    def keka_settings(self, **overrides: Any) -> KekaSettings:
        """Worker settings pointed at this sandbox, with its credentials."""
        return keka_settings(self.url, self.config, **overrides)

    # Python accessors mirroring the control API; all go through the one state lock.

    def logs(self) -> list[dict[str, Json]]:
        """Stored punches with ``receipts``, ``first_received_at``, ``last_received_at``."""
        return self._state.logs()

    def set_faults(self, faults: dict[str, Json]) -> dict[str, Json]:
        """Merge keys into the fault configuration; returns the active configuration."""
        return self._state.set_faults(faults)

    def clear_faults(self) -> None:
        self._state.clear_faults()

    def faults(self) -> dict[str, Json]:
        return self._state.faults_json()

    def add_employees(self, employees: list[dict[str, Json]]) -> list[dict[str, Json]]:
        """Add employees, or update existing ones by id (given fields are merged)."""
        return self._state.add_employees(employees)

    def remove_employee(self, employee_id: str) -> bool:
        return self._state.remove_employee(employee_id)

    def employees(self) -> list[dict[str, Json]]:
        return self._state.employees_matching(None, None)

    def reset(self) -> None:
        """Forget punches, employees, tokens, faults, rate window and statistics."""
        self._state.reset()

    def stats(self) -> dict[str, Json]:
        return self._state.stats()


def serve(sandbox: KekaSandbox) -> None:
    """Announce the URL, serve until SIGTERM or Ctrl-C, then stop."""
    serve_until_stopped(sandbox, lambda running: f"KEKA_SANDBOX_READY {running.url}")


_DEFAULTS = SandboxSettings()


@click.command(name="keka-sandbox", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=_DEFAULTS.host, show_default=True, help="listen address (KEKA_SANDBOX_HOST)")
@click.option("--port", type=int, default=_DEFAULTS.port, show_default=True, help="0 = any free port")
@click.option("--ingestion-key", help="X-API-Key for /v1/logs (KEKA_SANDBOX_INGESTION_KEY)")
@click.option("--client-id", help="HRIS client id (KEKA_SANDBOX_CLIENT_ID)")
@click.option("--client-secret", help="HRIS client secret (KEKA_SANDBOX_CLIENT_SECRET)")
@click.option("--api-key", help="HRIS api_key (KEKA_SANDBOX_API_KEY)")
@click.option("--token-ttl-seconds", type=int, help="token lifetime (KEKA_SANDBOX_TOKEN_TTL_SECONDS)")
@click.option("--rate-limit-per-minute", type=int, help="HRIS limit (KEKA_SANDBOX_RATE_LIMIT_PER_MINUTE)")
@click.option("--max-batch-size", type=int, help="log items per POST (KEKA_SANDBOX_MAX_BATCH_SIZE)")
@click.option(
    "--seed-employees",
    "seed_count",
    type=int,
    default=_DEFAULTS.seed_employees or 0,
    show_default=True,
    help="start with N generated employees (E0001/A0001, ...) (KEKA_SANDBOX_SEED_EMPLOYEES)",
)
@click.option("--verbose", is_flag=True, help="log each request to stderr")
def main(host: str, port: int, seed_count: int, verbose: bool, **credentials: Any) -> None:
    """Local Keka sandbox (loopback): logs ingestion, token, HRIS employees, fault switches."""
    serve(KekaSandbox(host, port, employees=seed_employees(seed_count), verbose=verbose, **credentials))
