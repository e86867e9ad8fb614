"""Local Keka sandbox: a real HTTP server on loopback that behaves like Keka.

This module owns the stand-in for Keka that tests, the demo and `make run` talk to
(docs/keka.md, section 3). The worker reaches it only through its ordinary settings
(base URLs, keys); nothing in the worker knows it is talking to a sandbox.

It serves
  * ``POST /v1/logs``                    attendance-log ingestion (``X-API-Key``),
  * ``POST /connect/token``              HRIS token (form-encoded, grant ``kekaapi``),
  * ``GET  /api/v1/hris/employees``      paged employee list (Bearer token),
  * ``GET  /api/v1/hris/employees/{id}`` one employee (Bearer token),
applies Keka's rules (auth, strict validation of each log item, envelopes, paging,
a per-minute limit on ``/api/v1/*``), stores what it accepted de-duplicated on
(DeviceIdentifier, EmployeeAttendanceNumber, Timestamp, Status), and can be told to
fail through the control API under ``/_sandbox/`` (loopback clients only, no auth):

  GET    /_sandbox/logs             stored punches, with ``receipts`` per punch
  GET    /_sandbox/stats            requests per endpoint, faults injected
  GET    /_sandbox/employees        all employees
  POST   /_sandbox/employees        add, or update by id (fields merged), a list
  DELETE /_sandbox/employees/{id}   remove one employee
  GET    /_sandbox/faults           the active fault configuration
  POST   /_sandbox/faults           merge keys into the fault configuration
  DELETE /_sandbox/faults           clear all faults
  POST   /_sandbox/reset            clear punches, employees, tokens, faults, stats

Fault keys (each optional, combinable; see ``_FAULT_KEYS``)::

  {"logs": {"status": 503, "count": 2, "retry_after": 5},
   "logs_hang": {"seconds": 1.5, "count": 1},
   "hris": {"status": 429, "count": 1, "retry_after": null},
   "hris_hang": {"seconds": 1.5, "count": 1},
   "reject_attendance_numbers": ["A123"],
   "expire_tokens": true,
   "rate_limit_per_minute": 3,
   "omit_retry_after": true}

``status`` may be any 4xx/5xx (e.g. 401 in ``hris`` refuses even fresh tokens);
``count`` null means "until cleared"; ``retry_after`` null means no ``Retry-After``
header. A hang sleeps, then answers normally (a hung /v1/logs batch is still stored;
de-duplication makes the client's re-send harmless). POST merges keys; a key set to
null clears that fault. ``expire_tokens`` is an action (every token issued so far
becomes invalid). ``omit_retry_after`` drops the ``Retry-After`` header from the sandbox's own 429s
(Keka does not document whether it sends one).

Run it standalone with ``python -m worker.devtools.keka_sandbox --host 127.0.0.1 --port 0``;
it prints ``KEKA_SANDBOX_READY http://127.0.0.1:<port>`` once it is listening.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import math
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Self, TypeAlias
from urllib.parse import parse_qs, urlencode, urlsplit

_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_EMPLOYEE_PATH_RE = re.compile(r"/api/v1/hris/employees/([^/]+)")
_SANDBOX_EMPLOYEE_PATH_RE = re.compile(r"/_sandbox/employees/([^/]+)")
_EMPLOYMENT_STATUSES = ("Working", "Relieved")
_EMPLOYEE_FIELDS = (
    "id",
    "employeeNumber",
    "attendanceNumber",
    "firstName",
    "lastName",
    "displayName",
    "email",
    "employmentStatus",
    "joiningDate",
    "exitDate",
    "reportsTo",
    "jobTitle",
    "groups",
)
_MAX_PAGE_SIZE = 200
_RATE_WINDOW_SECONDS = 60.0
_FAULT_KEYS = frozenset(
    {
        "logs",
        "logs_hang",
        "hris",
        "hris_hang",
        "reject_attendance_numbers",
        "expire_tokens",
        "rate_limit_per_minute",
        "omit_retry_after",
    }
)

Json: TypeAlias = Any
Clock: TypeAlias = Callable[[], float]


class SandboxConfigError(ValueError):
    """A fault or employee payload sent to the control API is malformed."""


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Credentials and limits; every field has a KEKA_SANDBOX_* environment fallback."""

    ingestion_key: str = "sandbox-ingestion-key"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    api_key: str = "sandbox-api-key"
    token_ttl_seconds: int = 86400
    rate_limit_per_minute: int = 50
    max_batch_size: int = 100

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Defaults, then KEKA_SANDBOX_<FIELD> variables, then non-None overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = env.get(f"KEKA_SANDBOX_{spec.name.upper()}")
            value: Any = spec.default if raw is None else type(spec.default)(raw)
            if overrides.get(spec.name) is not None:
                value = overrides[spec.name]
            values[spec.name] = value
        return cls(**values)


@dataclass(slots=True)
class _StoredPunch:
    device_identifier: str
    attendance_number: str
    timestamp: str
    status: int
    receipts: int
    first_received_at: str
    last_received_at: str

    def as_json(self) -> dict[str, Json]:
        return {
            "DeviceIdentifier": self.device_identifier,
            "EmployeeAttendanceNumber": self.attendance_number,
            "Timestamp": self.timestamp,
            "Status": self.status,
            "receipts": self.receipts,
            "first_received_at": self.first_received_at,
            "last_received_at": self.last_received_at,
        }


@dataclass(slots=True)
class _StatusFault:
    status: int
    count: int | None
    retry_after: int | None

    def as_json(self) -> dict[str, Json]:
        return {"status": self.status, "count": self.count, "retry_after": self.retry_after}


@dataclass(slots=True)
class _HangFault:
    seconds: float
    count: int | None

    def as_json(self) -> dict[str, Json]:
        return {"seconds": self.seconds, "count": self.count}


@dataclass(slots=True)
class _Faults:
    logs: _StatusFault | None = None
    logs_hang: _HangFault | None = None
    hris: _StatusFault | None = None
    hris_hang: _HangFault | None = None
    reject_attendance_numbers: frozenset[str] = frozenset()
    rate_limit_per_minute: int | None = None
    omit_retry_after: bool = False

    def as_json(self) -> dict[str, Json]:
        return {
            "logs": self.logs.as_json() if self.logs else None,
            "logs_hang": self.logs_hang.as_json() if self.logs_hang else None,
            "hris": self.hris.as_json() if self.hris else None,
            "hris_hang": self.hris_hang.as_json() if self.hris_hang else None,
            "reject_attendance_numbers": sorted(self.reject_attendance_numbers),
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "omit_retry_after": self.omit_retry_after,
        }


@dataclass(slots=True)
class _Response:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


def _parse_count(raw: Json, key: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise SandboxConfigError(f"{key}.count must be a positive integer or null")
    return raw


def _parse_status_fault(raw: Json, key: str) -> _StatusFault:
    if not isinstance(raw, dict):
        raise SandboxConfigError(f"{key} must be an object")
    status = raw.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise SandboxConfigError(f"{key}.status must be an HTTP error status (400-599)")
    retry_after = raw.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise SandboxConfigError(f"{key}.retry_after must be a non-negative integer or null")
    return _StatusFault(status, _parse_count(raw.get("count"), key), retry_after)


def _parse_hang_fault(raw: Json, key: str) -> _HangFault:
    if not isinstance(raw, dict):
        raise SandboxConfigError(f"{key} must be an object")
    seconds = raw.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SandboxConfigError(f"{key}.seconds must be a non-negative number")
    return _HangFault(float(seconds), _parse_count(raw.get("count"), key))


def _validate_log_item(index: int, item: Json) -> list[str]:
    """Errors for one /v1/logs item; an empty list means the item is valid."""
    if not isinstance(item, dict):
        return [f"item {index}: must be an object"]
    errors: list[str] = []
    for key in ("DeviceIdentifier", "EmployeeAttendanceNumber"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.append(f"item {index}: {key} must be a non-empty string")
    timestamp = item.get("Timestamp")
    if not isinstance(timestamp, str) or not _TIMESTAMP_RE.fullmatch(timestamp):
        errors.append(f"item {index}: Timestamp must be YYYY-MM-DDTHH:MM:SS without offset")
    else:
        try:
            datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            errors.append(f"item {index}: Timestamp is not a valid date and time")
    status = item.get("Status")
    if isinstance(status, bool) or status not in (0, 1):
        errors.append(f"item {index}: Status must be 0 (IN) or 1 (OUT)")
    return errors


def _normalise_employee(raw: Json, existing: dict[str, Json] | None) -> dict[str, Json]:
    """Merge an employee payload over the stored one (or over blank defaults)."""
    if not isinstance(raw, dict):
        raise SandboxConfigError("each employee must be an object")
    unknown = set(raw) - set(_EMPLOYEE_FIELDS)
    if unknown:
        raise SandboxConfigError(f"unknown employee fields: {', '.join(sorted(unknown))}")
    base: dict[str, Json] = (
        dict(existing)
        if existing is not None
        else {name: ([] if name == "groups" else None) for name in _EMPLOYEE_FIELDS}
    )
    if existing is None:
        base["employmentStatus"] = "Working"
    base.update(raw)
    if not isinstance(base["id"], str) or not base["id"]:
        raise SandboxConfigError("employee id must be a non-empty string")
    if base["employmentStatus"] not in _EMPLOYMENT_STATUSES:
        raise SandboxConfigError("employmentStatus must be 'Working' or 'Relieved'")
    if not isinstance(base["groups"], list):
        raise SandboxConfigError("groups must be a list")
    reports_to = base["reportsTo"]
    if reports_to is not None and not isinstance(reports_to, dict):
        raise SandboxConfigError("reportsTo must be an object {id, email} or null")
    if base["displayName"] is None and (base["firstName"] or base["lastName"]):
        base["displayName"] = " ".join(p for p in (base["firstName"], base["lastName"]) if p)
    return base


def seed_employees(count: int) -> list[dict[str, Json]]:
    """Deterministic demo employees E0001..; every fifth one is Relieved."""
    employees: list[dict[str, Json]] = []
    for n in range(1, count + 1):
        relieved = n % 5 == 0
        manager = employees[0] if employees else None
        employees.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"keka-sandbox/employee/{n}")),
                "employeeNumber": f"E{n:04d}",
                "attendanceNumber": f"A{n:04d}",
                "firstName": f"First{n}",
                "lastName": f"Last{n}",
                "displayName": f"First{n} Last{n}",
                "email": f"employee{n}@example.test",
                "employmentStatus": "Relieved" if relieved else "Working",
                "joiningDate": "2024-01-15T00:00:00",
                "exitDate": "2026-06-30T00:00:00" if relieved else None,
                "reportsTo": ({"id": manager["id"], "email": manager["email"]} if manager else None),
                "jobTitle": "Engineer",
                "groups": [],
            }
        )
    return employees


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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


class _SandboxState:
    """Everything the sandbox remembers, guarded by one lock."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._clear()

    def _clear(self) -> None:
        self.punches: dict[tuple[str, str, str, int], _StoredPunch] = {}
        self.employees: dict[str, dict[str, Json]] = {}
        self.tokens: dict[str, float] = {}
        self.faults = _Faults()
        self.requests: dict[str, int] = {}
        self.responses: dict[str, int] = {}
        self.faults_injected: dict[str, int] = {}
        self.tokens_issued = 0
        self.rate_window_start: float | None = None
        self.rate_window_count = 0

    # -- bookkeeping -------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._clear()

    def count_request(self, endpoint: str) -> None:
        with self.lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1

    def count_response(self, status: int) -> None:
        with self.lock:
            self.responses[str(status)] = self.responses.get(str(status), 0) + 1

    def _count_fault(self, name: str) -> None:
        self.faults_injected[name] = self.faults_injected.get(name, 0) + 1

    def stats(self) -> dict[str, Json]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "responses_by_status": dict(self.responses),
                "faults_injected": dict(self.faults_injected),
                "tokens_issued": self.tokens_issued,
                "active_tokens": len(self.tokens),
                "stored_punches": len(self.punches),
                "total_receipts": sum(p.receipts for p in self.punches.values()),
                "employees": len(self.employees),
            }

    # -- faults ------------------------------------------------------------------------

    def set_faults(self, raw: Json) -> dict[str, Json]:
        if not isinstance(raw, dict):
            raise SandboxConfigError("faults must be a JSON object")
        unknown = set(raw) - _FAULT_KEYS
        if unknown:
            raise SandboxConfigError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        # Parse everything before touching state so a bad payload changes nothing.
        parsed: dict[str, Any] = {}
        for key in ("logs", "hris"):
            if key in raw:
                parsed[key] = None if raw[key] is None else _parse_status_fault(raw[key], key)
        for key in ("logs_hang", "hris_hang"):
            if key in raw:
                parsed[key] = None if raw[key] is None else _parse_hang_fault(raw[key], key)
        if "reject_attendance_numbers" in raw:
            numbers = raw["reject_attendance_numbers"] or []
            if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
                raise SandboxConfigError("reject_attendance_numbers must be a list of strings")
            parsed["reject_attendance_numbers"] = frozenset(numbers)
        if "rate_limit_per_minute" in raw:
            limit = raw["rate_limit_per_minute"]
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
                raise SandboxConfigError("rate_limit_per_minute must be a positive integer")
            parsed["rate_limit_per_minute"] = limit
        if "omit_retry_after" in raw:
            parsed["omit_retry_after"] = bool(raw["omit_retry_after"])
        expire = bool(raw.get("expire_tokens"))
        with self.lock:
            for key, value in parsed.items():
                setattr(self.faults, key, value)
            if expire:
                self.tokens.clear()
                self._count_fault("expire_tokens")
            return self.faults.as_json()

    def clear_faults(self) -> None:
        with self.lock:
            self.faults = _Faults()

    def faults_json(self) -> dict[str, Json]:
        with self.lock:
            return self.faults.as_json()

    def take_hang(self, key: str) -> float:
        """Seconds to hang for this request (0 = none); consumes one count."""
        with self.lock:
            fault: _HangFault | None = getattr(self.faults, key)
            if fault is None:
                return 0.0
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    setattr(self.faults, key, None)
            self._count_fault(key)
            return fault.seconds

    def take_status_fault(self, key: str) -> _StatusFault | None:
        """The injected failure for this request, if any; consumes one count."""
        with self.lock:
            fault: _StatusFault | None = getattr(self.faults, key)
            if fault is None:
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    setattr(self.faults, key, None)
            self._count_fault(key)
            return _StatusFault(fault.status, None, fault.retry_after)

    # -- rate limit and tokens ---------------------------------------------------------

    def check_rate_limit(self) -> tuple[bool, int | None]:
        """(allowed, Retry-After) under a fixed 60 s window started by the first request."""
        with self.lock:
            now = self.clock()
            limit = self.faults.rate_limit_per_minute or self.config.rate_limit_per_minute
            start = self.rate_window_start
            if start is None or now - start >= _RATE_WINDOW_SECONDS:
                self.rate_window_start = start = now
                self.rate_window_count = 0
            if self.rate_window_count < limit:
                self.rate_window_count += 1
                return True, None
            self._count_fault("rate_limited")
            if self.faults.omit_retry_after:
                return False, None
            return False, max(1, math.ceil(start + _RATE_WINDOW_SECONDS - now))

    def issue_token(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        ttl = self.config.token_ttl_seconds
        with self.lock:
            self.tokens[token] = self.clock() + ttl
            self.tokens_issued += 1
        return token, ttl

    def token_valid(self, token: str) -> bool:
        with self.lock:
            expiry = self.tokens.get(token)
            if expiry is None:
                return False
            if self.clock() >= expiry:
                del self.tokens[token]
                return False
            return True

    # -- punches -----------------------------------------------------------------------

    def store_punches(self, items: list[dict[str, Json]]) -> tuple[int, list[str]]:
        """Store a validated batch atomically: (accepted, rejection errors)."""
        with self.lock:
            rejected = [
                f"item {i}: attendance number {item['EmployeeAttendanceNumber']} rejected"
                for i, item in enumerate(items)
                if item["EmployeeAttendanceNumber"] in self.faults.reject_attendance_numbers
            ]
            if rejected:
                self._count_fault("reject_attendance_numbers")
                return 0, rejected
            now = _utc_now_iso()
            accepted = 0
            for item in items:
                key = (
                    item["DeviceIdentifier"],
                    item["EmployeeAttendanceNumber"],
                    item["Timestamp"],
                    item["Status"],
                )
                stored = self.punches.get(key)
                if stored is None:
                    self.punches[key] = _StoredPunch(*key, 1, now, now)
                    accepted += 1
                else:
                    stored.receipts += 1
                    stored.last_received_at = now
            return accepted, []

    def logs(self) -> list[dict[str, Json]]:
        with self.lock:
            return [p.as_json() for p in self.punches.values()]

    # -- employees ---------------------------------------------------------------------

    def add_employees(self, raw: Json) -> list[dict[str, Json]]:
        items = raw if isinstance(raw, list) else [raw]
        with self.lock:
            merged: dict[str, dict[str, Json]] = {}
            for item in items:
                if not isinstance(item, dict):
                    raise SandboxConfigError("each employee must be an object")
                emp_id = str(item.get("id") or uuid.uuid4())
                existing = merged.get(emp_id) or self.employees.get(emp_id)
                employee = _normalise_employee({**item, "id": emp_id}, existing)
                merged[emp_id] = employee
            self.employees.update(merged)
            return [dict(e) for e in merged.values()]

    def remove_employee(self, employee_id: str) -> bool:
        with self.lock:
            return self.employees.pop(employee_id, None) is not None

    def employees_matching(self, employee_numbers: set[str] | None, status: str | None) -> list[dict[str, Json]]:
        with self.lock:
            return [
                dict(e)
                for e in self.employees.values()
                if (employee_numbers is None or e["employeeNumber"] in employee_numbers)
                and (status is None or e["employmentStatus"] == status)
            ]

    def employee(self, employee_id: str) -> dict[str, Json] | None:
        with self.lock:
            found = self.employees.get(employee_id)
            return dict(found) if found is not None else None


class _Handler(BaseHTTPRequestHandler):
    """Routes one request; all state lives in ``self.server.state``."""

    server: _SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after a minute
    disable_nagle_algorithm = True  # headers and body are separate writes
    server_version = "KekaSandbox/1.0"
    sys_version = ""

    # -- plumbing ----------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: _Response) -> None:
        payload = json.dumps(response.body).encode()
        self.server.state.count_response(response.status)
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. it timed out during a hang); nothing to answer.
            self.close_connection = True

    def _hang(self, seconds: float) -> None:
        if seconds > 0:
            self.server.state.stopping.wait(seconds)

    def _dispatch(self, method: str) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            response = self._route(method, path, query, body)
        except SandboxConfigError as exc:
            response = _Response(400, {"succeeded": False, "errors": [str(exc)]})
        except Exception as exc:  # a sandbox bug must still produce an HTTP answer
            traceback.print_exc()
            response = _Response(500, {"succeeded": False, "errors": [f"sandbox error: {exc!r}"]})
        self._send(response)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> _Response:
        state = self.server.state
        if path.startswith("/_sandbox"):
            state.count_request(f"{method} {path}")
            return self._control(method, path, body)
        if path == "/v1/logs":
            state.count_request("POST /v1/logs")
            if method != "POST":
                return _Response(405, _logs_error("method not allowed"))
            return self._post_logs(body)
        if path == "/connect/token":
            state.count_request("POST /connect/token")
            if method != "POST":
                return _Response(405, {"error": "invalid_request"})
            return self._token(body)
        if path == "/api/v1/hris/employees" or _EMPLOYEE_PATH_RE.fullmatch(path):
            one = _EMPLOYEE_PATH_RE.fullmatch(path)
            endpoint = "GET /api/v1/hris/employees" + ("/{id}" if one else "")
            state.count_request(endpoint)
            return self._hris(method, query, one.group(1) if one else None)
        if path.startswith("/api/v1/"):
            state.count_request("GET /api/v1/*")
            return self._hris_guarded(lambda: _Response(404, _hris_envelope(succeeded=False, message="notFound")))
        state.count_request("other")
        return _Response(404, {"errors": ["not found"], "succeeded": False})

    # -- /v1/logs ----------------------------------------------------------------------

    def _post_logs(self, body: bytes) -> _Response:
        state = self.server.state
        self._hang(state.take_hang("logs_hang"))
        fault = state.take_status_fault("logs")
        if fault is not None:
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return _Response(fault.status, _logs_error(f"injected fault (HTTP {fault.status})"), headers)
        if self.headers.get("X-API-Key") != state.config.ingestion_key:
            return _Response(401, _logs_error("invalid api key"))
        try:
            items = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _Response(400, _logs_error("body must be a JSON array"))
        if not isinstance(items, list):
            return _Response(400, _logs_error("body must be a JSON array"))
        if len(items) > state.config.max_batch_size:
            return _Response(
                400,
                _logs_error(
                    f"batch of {len(items)} exceeds the limit of {state.config.max_batch_size} logs per request"
                ),
            )
        errors = [error for i, item in enumerate(items) for error in _validate_log_item(i, item)]
        if errors:
            return _Response(400, _logs_error(*errors))
        accepted, rejected = state.store_punches(items)
        if rejected:
            return _Response(400, _logs_error(*rejected))
        return _Response(
            200,
            {"data": {"logsReceived": len(items), "logsAccepted": accepted}, "succeeded": True},
        )

    # -- /connect/token ----------------------------------------------------------------

    def _token(self, body: bytes) -> _Response:
        state = self.server.state
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "kekaapi":
            return _Response(400, {"error": "unsupported_grant_type"})
        if form.get("scope") != "kekaapi":
            return _Response(400, {"error": "invalid_scope"})
        config = state.config
        if (
            form.get("client_id") != config.client_id
            or form.get("client_secret") != config.client_secret
            or form.get("api_key") != config.api_key
        ):
            return _Response(400, {"error": "invalid_client"})
        token, ttl = state.issue_token()
        return _Response(
            200,
            {
                "access_token": token,
                "expires_in": ttl,
                "token_type": "Bearer",
                "scope": "kekaapi",
            },
        )

    # -- /api/v1/hris ------------------------------------------------------------------

    def _hris_guarded(self, handle: Callable[[], _Response]) -> _Response:
        """Hang, injected failure, rate limit and Bearer auth, then ``handle``."""
        state = self.server.state
        self._hang(state.take_hang("hris_hang"))
        fault = state.take_status_fault("hris")
        if fault is not None:
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            message = "rateLimitExceeded" if fault.status == 429 else "injectedFault"
            return _Response(fault.status, _hris_envelope(succeeded=False, message=message), headers)
        allowed, retry_after = state.check_rate_limit()
        if not allowed:
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return _Response(429, _hris_envelope(succeeded=False, message="rateLimitExceeded"), headers)
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not state.token_valid(token.strip()):
            return _Response(
                401,
                _hris_envelope(succeeded=False, message="unauthorized", errors=["invalid or expired token"]),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return handle()

    def _hris(self, method: str, query: dict[str, list[str]], employee_id: str | None) -> _Response:
        if method != "GET":
            return _Response(405, _hris_envelope(succeeded=False, message="methodNotAllowed"))
        if employee_id is not None:
            return self._hris_guarded(lambda: self._one_employee(employee_id))
        return self._hris_guarded(lambda: self._employee_page(query))

    def _one_employee(self, employee_id: str) -> _Response:
        employee = self.server.state.employee(employee_id)
        if employee is None:
            return _Response(
                404,
                _hris_envelope(
                    succeeded=False,
                    message="notFound",
                    errors=[f"employee {employee_id} not found"],
                ),
            )
        return _Response(
            200,
            _hris_envelope(
                succeeded=True,
                data=[employee],
                page_number=1,
                page_size=1,
                total_pages=1,
                total_records=1,
            ),
        )

    def _employee_page(self, query: dict[str, list[str]]) -> _Response:
        def bad(message: str) -> _Response:
            return _Response(400, _hris_envelope(succeeded=False, message="badRequest", errors=[message]))

        try:
            page_number = int(query.get("pageNumber", ["1"])[0] or 1)
            page_size = int(query.get("pageSize", ["100"])[0] or 100)
        except ValueError:
            return bad("pageNumber and pageSize must be integers")
        if page_number < 1:
            return bad("pageNumber must be at least 1")
        if not 1 <= page_size <= _MAX_PAGE_SIZE:
            return bad(f"pageSize must be between 1 and {_MAX_PAGE_SIZE}")
        numbers_raw = query.get("employeeNumbers", [""])[0]
        numbers = {n.strip() for n in numbers_raw.split(",") if n.strip()} or None
        status = query.get("employmentStatus", [""])[0] or None
        if status is not None and status not in _EMPLOYMENT_STATUSES:
            return bad("employmentStatus must be Working or Relieved")
        # lastModified is accepted and ignored: the sandbox keeps no modification times.
        matching = self.server.state.employees_matching(numbers, status)
        total = len(matching)
        total_pages = math.ceil(total / page_size)
        start = (page_number - 1) * page_size
        filters: dict[str, str] = {}
        if numbers_raw:
            filters["employeeNumbers"] = numbers_raw
        if status is not None:
            filters["employmentStatus"] = status
        return _Response(
            200,
            _hris_envelope(
                succeeded=True,
                data=matching[start : start + page_size],
                page_number=page_number,
                page_size=page_size,
                total_pages=total_pages,
                total_records=total,
                next_page=(self._page_url(page_number + 1, page_size, filters) if page_number < total_pages else None),
                previous_page=(
                    self._page_url(min(page_number - 1, max(total_pages, 1)), page_size, filters)
                    if page_number > 1
                    else None
                ),
            ),
        )

    def _page_url(self, page_number: int, page_size: int, filters: dict[str, str]) -> str:
        address = self.server.server_address
        host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
        params = {"pageNumber": str(page_number), "pageSize": str(page_size), **filters}
        return f"http://{host}/api/v1/hris/employees?{urlencode(params)}"

    # -- /_sandbox ---------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> _Response:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            return _Response(403, {"succeeded": False, "errors": ["control API is loopback-only"]})
        state = self.server.state

        def payload() -> Json:
            try:
                return json.loads(body) if body else None
            except ValueError as exc:
                raise SandboxConfigError("body must be JSON") from exc

        match method, path:
            case "GET", "/_sandbox/logs":
                logs = state.logs()
                return _Response(200, {"logs": logs, "count": len(logs)})
            case "GET", "/_sandbox/stats":
                return _Response(200, state.stats())
            case "GET", "/_sandbox/employees":
                employees = state.employees_matching(None, None)
                return _Response(200, {"employees": employees, "count": len(employees)})
            case "POST", "/_sandbox/employees":
                stored = state.add_employees(payload())
                return _Response(200, {"employees": stored, "count": len(stored)})
            case "GET", "/_sandbox/faults":
                return _Response(200, {"faults": state.faults_json()})
            case "POST", "/_sandbox/faults":
                return _Response(200, {"faults": state.set_faults(payload())})
            case "DELETE", "/_sandbox/faults":
                state.clear_faults()
                return _Response(200, {"faults": state.faults_json()})
            case "POST", "/_sandbox/reset":
                state.reset()
                return _Response(200, {"reset": True})
        match_emp = _SANDBOX_EMPLOYEE_PATH_RE.fullmatch(path)
        if method == "DELETE" and match_emp:
            if state.remove_employee(match_emp.group(1)):
                return _Response(200, {"deleted": match_emp.group(1)})
            return _Response(404, {"succeeded": False, "errors": ["employee not found"]})
        return _Response(404, {"succeeded": False, "errors": [f"no control route {method} {path}"]})


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: _SandboxState, verbose: bool) -> None:
        self.state = state
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    # Keep-alive connections outlive shutdown(); track them so stop() can cut them.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class KekaSandbox:
    """The sandbox server on a background thread: ``start``/``stop`` or ``with``."""

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
        self._state = _SandboxState(self.config, clock)
        self._server = _SandboxHTTPServer((host, port), self._state, verbose)
        self._thread: threading.Thread | None = None
        initial = list(employees)
        if initial:
            self._state.add_employees(initial)

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (logs at /v1/logs, HRIS at /api/v1)."""
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def start(self) -> Self:
        """Serve on a background daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # so stop() returns promptly
                name="keka-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake hung handlers and close the socket."""
        self._state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m worker.devtools.keka_sandbox", description="Local Keka sandbox (loopback)."
    )
    parser.add_argument("--host", default=os.environ.get("KEKA_SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("KEKA_SANDBOX_PORT", "8765")))
    parser.add_argument("--ingestion-key")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--api-key")
    parser.add_argument("--token-ttl-seconds", type=int)
    parser.add_argument("--rate-limit-per-minute", type=int)
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument(
        "--seed-employees",
        type=int,
        default=int(os.environ.get("KEKA_SANDBOX_SEED_EMPLOYEES", "0")),
        help="start with N generated employees (E0001/A0001, ...)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    sandbox = KekaSandbox(
        args.host,
        args.port,
        ingestion_key=args.ingestion_key,
        client_id=args.client_id,
        client_secret=args.client_secret,
        api_key=args.api_key,
        token_ttl_seconds=args.token_ttl_seconds,
        rate_limit_per_minute=args.rate_limit_per_minute,
        max_batch_size=args.max_batch_size,
        employees=seed_employees(args.seed_employees),
        verbose=args.verbose,
    )

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    print(f"KEKA_SANDBOX_READY {sandbox.url}", flush=True)
    sandbox.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
