"""A sandbox is three parts, each here once:

* ``SandboxState``: a lock, the recorded calls, the fault switches and a stop event
  (a hung handler wakes when the server stops); subclasses add what the service keeps.
* ``SandboxApp``: werkzeug routing for the service's own rules plus the control API
  under ``/_sandbox/`` (loopback clients only):
      GET    /_sandbox/calls    every recorded call, oldest first
      GET    /_sandbox/faults   the active switches
      POST   /_sandbox/faults   merge switches: {"name": {"count": n | null, ...}}
      DELETE /_sandbox/faults   clear every switch
      POST   /_sandbox/reset    forget everything
* ``SandboxServer``: the threaded server's life cycle (start, stop, ``url``, context manager).

A fault switch is ``{"count": n}`` (fire n times, then off) or ``{"count": null}``
(until cleared), with whatever parameters the service reads (``retry_after``, ``seconds``…).
"""

from __future__ import annotations

import ipaddress
import json
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, ClassVar, Self

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

Json = Any


@dataclass(slots=True)
class Answer:
    """An answer before it becomes an HTTP response (``body`` None: no content)."""

    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    method: str
    path: str
    body: Json
    status: int = 0
    at: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Json]:
        return {"method": self.method, "path": self.path, "body": self.body, "status": self.status, "at": self.at}


class Faults:
    """Named fault switches; ``take`` fires one (and counts it down). Callers hold the state lock."""

    def __init__(self) -> None:
        self.active: dict[str, dict[str, Json]] = {}
        self.fired: dict[str, int] = {}

    def set(self, switches: dict[str, Json]) -> None:
        for name, spec in switches.items():
            if spec is None:
                self.active.pop(name, None)
                continue
            if not isinstance(spec, dict):
                raise ValueError(f"fault {name!r} must be an object like {{'count': 1}}")
            self.active[name] = {"count": 1, **spec}

    def take(self, name: str) -> dict[str, Json] | None:
        spec = self.active.get(name)
        if spec is None:
            return None
        if spec["count"] is not None:
            spec["count"] -= 1
            if spec["count"] <= 0:
                del self.active[name]
        self.fired[name] = self.fired.get(name, 0) + 1
        return dict(spec)

    def clear(self) -> None:
        self.active.clear()


class SandboxState:
    """What every sandbox keeps: calls and faults, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.calls: list[Call] = []
        self.faults = Faults()

    def record(self, call: Call) -> Call:
        with self.lock:
            self.calls.append(call)
        return call

    def take_fault(self, name: str) -> dict[str, Json] | None:
        with self.lock:
            return self.faults.take(name)

    def set_faults(self, switches: dict[str, Json]) -> dict[str, Json]:
        with self.lock:
            self.faults.set(switches)
            return self.faults_json()

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def faults_json(self) -> dict[str, Json]:
        with self.lock:
            return {"active": {k: dict(v) for k, v in self.faults.active.items()}, "fired": dict(self.faults.fired)}

    def calls_json(self) -> list[dict[str, Json]]:
        with self.lock:
            return [c.as_json() for c in self.calls]

    def reset(self) -> None:
        """Forget calls and faults; subclasses forget their own state too."""
        with self.lock:
            self.calls.clear()
            self.faults = Faults()

    def sleep(self, seconds: float) -> None:
        """A hang that ends early when the server stops."""
        self.stopping.wait(seconds)


class SandboxApp:
    """WSGI app: the service's ``rules`` (endpoint ``name`` → method ``on_<name>``) + the control API."""

    rules: ClassVar[list[Rule]] = []

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        control = [
            Rule("/_sandbox/calls", endpoint="control_calls", methods=["GET"]),
            Rule("/_sandbox/faults", endpoint="control_faults", methods=["GET"]),
            Rule("/_sandbox/faults", endpoint="control_set_faults", methods=["POST"]),
            Rule("/_sandbox/faults", endpoint="control_clear_faults", methods=["DELETE"]),
            Rule("/_sandbox/reset", endpoint="control_reset", methods=["POST"]),
        ]
        self.url_map = Map([r.empty() for r in self.rules] + control)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            answer = self.dispatch(request)
        except HTTPException as exc:
            answer = Answer(exc.code or 500, {"error": exc.name})
        if isinstance(answer.body, bytes | str):
            body = answer.body.encode() if isinstance(answer.body, str) else answer.body
            content_type = answer.headers.pop("Content-Type", "text/plain")
        else:
            body = b"" if answer.body is None else json.dumps(answer.body).encode()
            content_type = "application/json; charset=utf-8"
        response = Response(body, status=answer.status, headers=answer.headers, content_type=content_type)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Answer:
        endpoint, values = self.url_map.bind_to_environ(request.environ).match()
        if endpoint.startswith("control_"):
            if not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
                return Answer(403, {"error": "the control API is loopback-only"})
            return getattr(self, f"on_{endpoint}")(request, **values)
        return getattr(self, f"on_{endpoint}")(request, **values)

    @staticmethod
    def json_body(request: Request) -> Json:
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return None

    def on_control_calls(self, request: Request) -> Answer:
        return Answer(200, self.state.calls_json())

    def on_control_faults(self, request: Request) -> Answer:
        return Answer(200, self.state.faults_json())

    def on_control_set_faults(self, request: Request) -> Answer:
        payload = self.json_body(request)
        if not isinstance(payload, dict):
            return Answer(400, {"error": "send a JSON object of fault switches"})
        try:
            return Answer(200, self.state.set_faults(payload))
        except ValueError as exc:
            return Answer(400, {"error": str(exc)})

    def on_control_clear_faults(self, request: Request) -> Answer:
        self.state.clear_faults()
        return Answer(204, None)

    def on_control_reset(self, request: Request) -> Answer:
        self.state.reset()
        return Answer(204, None)


class _QuietHandler(WSGIRequestHandler):
    verbose = False

    def log(self, type: str, message: str, *args: Any) -> None:
        if self.verbose:
            super().log(type, message, *args)


class SandboxServer:
    """A threaded werkzeug server for one WSGI sandbox app, on loopback by default: the life
    cycle every sandbox shares (Keka, Graph over TLS, Slack, the model). ``state`` is the app's
    state; its ``stopping`` event wakes hung handlers when the server stops."""

    name = "sandbox"

    def __init__(
        self,
        app: Any,
        state: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verbose: bool = False,
    ) -> None:
        self.state = state
        handler = type(f"{type(self).__name__}Handler", (_QuietHandler,), {"verbose": verbose})
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler, ssl_context=ssl_context
        )
        self._scheme = "https" if ssl_context else "http"
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self._scheme}://{host}:{self.port}"

    def start(self) -> Self:
        """Serve on a background daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # so stop() returns promptly
                name=self.name,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake hung handlers, close the socket."""
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class RecordingSandbox(SandboxServer):
    """A sandbox on ``SandboxApp`` + ``SandboxState``: the control API's Python side."""

    state: SandboxState

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False) -> None:
        super().__init__(app, app.state, host, port, verbose=verbose)

    def calls(self) -> list[dict[str, Json]]:
        return self.state.calls_json()

    def set_faults(self, switches: dict[str, Json]) -> dict[str, Json]:
        return self.state.set_faults(switches)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def faults(self) -> dict[str, Json]:
        return self.state.faults_json()

    def reset(self) -> None:
        self.state.reset()


def serve_until_stopped(sandbox: SandboxServer, banner: str | Callable[[SandboxServer], str]) -> None:
    """Start, print the banner (what a parent process waits for), serve until SIGTERM or Ctrl-C."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    sandbox.start()
    print(banner if isinstance(banner, str) else banner(sandbox), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
