"""What the sandbox remembers and the rules it applies, with no HTTP in sight.

Stored punches (keyed on DeviceIdentifier, EmployeeAttendanceNumber, Timestamp,
Status, with a ``receipts`` count: Keka is not known to de-duplicate, so the
sandbox counts every receipt as accepted and tests assert ``receipts == 1``),
employees (in Keka's shapes: numeric ``employmentStatus``, ``jobTitle`` as an
object, nullable ``email``), issued tokens, the rate-limit window, statistics
and the fault configuration, all behind one lock; plus the validation of log
items, employee payloads and fault payloads.

Fault keys (each optional, combinable; see ``FAULT_KEYS``)::

  {"logs": {"status": 503, "count": 2, "retry_after": 5},
   "logs_hang": {"seconds": 1.5, "count": 1},
   "hris": {"status": 429, "count": 1, "retry_after": null},
   "hris_hang": {"seconds": 1.5, "count": 1},
   "reject_attendance_numbers": ["A123"],
   "fail_attendance_numbers": ["A666"],
   "ingestion_key": "rotated-key",
   "expire_tokens": true,
   "rate_limit_per_minute": 3,
   "omit_retry_after": true}

``status`` may be any 4xx/5xx (e.g. 401 in ``hris`` refuses even fresh tokens);
``count`` null means "until cleared"; ``retry_after`` null means no ``Retry-After``
header. A hang sleeps, then answers normally (a hung /v1/logs batch is still stored,
so a client that re-sends it shows up as ``receipts`` 2). ``reject_attendance_numbers``
silently does not accept those numbers: 200 with ``logsAccepted`` below
``logsReceived``, as Keka answers (counts only, no per-item result).
``fail_attendance_numbers`` answers 500 to any request that carries one of those
numbers (a punch that fails on its own while others go through: poison).
``ingestion_key`` rotates the key /v1/logs expects (the configured one until
cleared): every request with the old key is refused whole (401). POST merges
keys; a key set to null clears that fault. ``expire_tokens`` is an action (every token issued so far
becomes invalid). ``omit_retry_after`` drops the ``Retry-After`` header from the sandbox's own 429s
(Keka does not document whether it sends one).
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from worker.devtools.keka_sandbox.config import SandboxConfig

_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
# What System.Guid parses: 32 hex digits, optionally hyphenated 8-4-4-4-12 and in braces
# (no surrounding whitespace: a trailing space fails the whole request).
GUID_RE = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
# employmentStatus is numeric in Keka's answers; the query filter takes the names.
EMPLOYMENT_STATUSES = {"Working": 0, "Relieved": 1}
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
MAX_PAGE_SIZE = 200
_RATE_WINDOW_SECONDS = 60.0
FAULT_KEYS = frozenset(
    {
        "logs",
        "logs_hang",
        "hris",
        "hris_hang",
        "reject_attendance_numbers",
        "fail_attendance_numbers",
        "expire_tokens",
        "rate_limit_per_minute",
        "omit_retry_after",
        "ingestion_key",
    }
)

Json: TypeAlias = Any
Clock: TypeAlias = Callable[[], float]


class SandboxConfigError(ValueError):
    """A fault or employee payload sent to the control API is malformed."""


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
class StatusFault:
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
    logs: StatusFault | None = None
    logs_hang: _HangFault | None = None
    hris: StatusFault | None = None
    hris_hang: _HangFault | None = None
    reject_attendance_numbers: frozenset[str] = frozenset()
    fail_attendance_numbers: frozenset[str] = frozenset()
    rate_limit_per_minute: int | None = None
    omit_retry_after: bool = False
    ingestion_key: str | None = None

    def as_json(self) -> dict[str, Json]:
        return {
            "logs": self.logs.as_json() if self.logs else None,
            "logs_hang": self.logs_hang.as_json() if self.logs_hang else None,
            "hris": self.hris.as_json() if self.hris else None,
            "hris_hang": self.hris_hang.as_json() if self.hris_hang else None,
            "reject_attendance_numbers": sorted(self.reject_attendance_numbers),
            "fail_attendance_numbers": sorted(self.fail_attendance_numbers),
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "omit_retry_after": self.omit_retry_after,
            "ingestion_key": self.ingestion_key,
        }


def _parse_count(raw: Json, key: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise SandboxConfigError(f"{key}.count must be a positive integer or null")
    return raw


def _parse_status_fault(raw: Json, key: str) -> StatusFault:
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
    return StatusFault(status, _parse_count(raw.get("count"), key), retry_after)


def _parse_hang_fault(raw: Json, key: str) -> _HangFault:
    if not isinstance(raw, dict):
        raise SandboxConfigError(f"{key} must be an object")
    seconds = raw.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SandboxConfigError(f"{key}.seconds must be a non-negative number")
    return _HangFault(float(seconds), _parse_count(raw.get("count"), key))


def device_identifier_error(items: list[Json]) -> str | None:
    """Keka binds the body before looking at any punch: a DeviceIdentifier that is
    not a GUID fails the whole request with the serializer's message."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue  # reported per item
        value = item.get("DeviceIdentifier")
        if not isinstance(value, str) or not GUID_RE.fullmatch(value):
            return f"The JSON value could not be converted to System.Guid. Path: $[{index}].DeviceIdentifier"
    return None


def validate_log_item(index: int, item: Json) -> list[str]:
    """Errors for one /v1/logs item; an empty list means the item is valid."""
    if not isinstance(item, dict):
        return [f"item {index}: must be an object"]
    errors: list[str] = []
    value = item.get("EmployeeAttendanceNumber")
    if not isinstance(value, str) or not value.strip():
        errors.append(f"item {index}: EmployeeAttendanceNumber must be a non-empty string")
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
        base["employmentStatus"] = 0
    base.update(raw)
    if not isinstance(base["id"], str) or not base["id"]:
        raise SandboxConfigError("employee id must be a non-empty string")
    status = base["employmentStatus"]
    if isinstance(status, str) and status in EMPLOYMENT_STATUSES:  # the control API takes names too
        base["employmentStatus"] = EMPLOYMENT_STATUSES[status]
    elif isinstance(status, bool) or status not in EMPLOYMENT_STATUSES.values():
        raise SandboxConfigError("employmentStatus must be 0 (Working) or 1 (Relieved)")
    if isinstance(base["jobTitle"], str):  # Keka answers an object
        base["jobTitle"] = {
            "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, base["jobTitle"])),
            "title": base["jobTitle"],
        }
    if base["jobTitle"] is not None and not isinstance(base["jobTitle"], dict):
        raise SandboxConfigError("jobTitle must be an object {identifier, title}, a title or null")
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
                "employmentStatus": 1 if relieved else 0,
                "joiningDate": "2024-01-15T00:00:00",
                "exitDate": "2026-06-30T00:00:00" if relieved else None,
                "reportsTo": ({"id": manager["id"], "email": manager["email"]} if manager else None),
                "jobTitle": {"identifier": "5f0c3b52-6f0e-4c55-9a6b-1d2e3f405060", "title": "Engineer"},
                "groups": [],
            }
        )
    return employees


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SandboxState:
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
        unknown = set(raw) - FAULT_KEYS
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
        for key in ("reject_attendance_numbers", "fail_attendance_numbers"):
            if key in raw:
                numbers = raw[key] or []
                if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
                    raise SandboxConfigError(f"{key} must be a list of strings")
                parsed[key] = frozenset(numbers)
        if "rate_limit_per_minute" in raw:
            limit = raw["rate_limit_per_minute"]
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
                raise SandboxConfigError("rate_limit_per_minute must be a positive integer")
            parsed["rate_limit_per_minute"] = limit
        if "omit_retry_after" in raw:
            parsed["omit_retry_after"] = bool(raw["omit_retry_after"])
        if "ingestion_key" in raw:
            key = raw["ingestion_key"]
            if key is not None and (not isinstance(key, str) or not key):
                raise SandboxConfigError("ingestion_key must be a non-empty string or null")
            parsed["ingestion_key"] = key
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

    def take_status_fault(self, key: str) -> StatusFault | None:
        """The injected failure for this request, if any; consumes one count."""
        with self.lock:
            fault: StatusFault | None = getattr(self.faults, key)
            if fault is None:
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    setattr(self.faults, key, None)
            self._count_fault(key)
            return StatusFault(fault.status, None, fault.retry_after)

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

    def ingestion_key(self) -> str:
        """The key /v1/logs accepts now (a rotated one while that fault is set)."""
        with self.lock:
            return self.faults.ingestion_key or self.config.ingestion_key

    def poisoned(self, items: list[dict[str, Json]]) -> str | None:
        """An attendance number of ``fail_attendance_numbers`` this batch carries, if any."""
        with self.lock:
            for item in items:
                if item["EmployeeAttendanceNumber"] in self.faults.fail_attendance_numbers:
                    self._count_fault("fail_attendance_numbers")
                    return str(item["EmployeeAttendanceNumber"])
            return None

    def store_punches(self, items: list[dict[str, Json]]) -> int:
        """Store a validated batch; returns how many were accepted (every receipt
        counts: no de-duplication is assumed), silently leaving out rejected numbers."""
        with self.lock:
            now = _utc_now_iso()
            accepted = 0
            for item in items:
                if item["EmployeeAttendanceNumber"] in self.faults.reject_attendance_numbers:
                    self._count_fault("reject_attendance_numbers")
                    continue
                accepted += 1
                key = (
                    item["DeviceIdentifier"],
                    item["EmployeeAttendanceNumber"],
                    item["Timestamp"],
                    item["Status"],
                )
                stored = self.punches.get(key)
                if stored is None:
                    self.punches[key] = _StoredPunch(*key, 1, now, now)
                else:
                    stored.receipts += 1
                    stored.last_received_at = now
            return accepted

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

    def employees_matching(self, employee_numbers: set[str] | None, status: int | None) -> list[dict[str, Json]]:
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
