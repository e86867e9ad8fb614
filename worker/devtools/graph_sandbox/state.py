"""What the Graph sandbox remembers and the rules it applies, with no HTTP in sight.

Issued tokens, each mailbox's events (with Graph's ``transactionId``
de-duplication: a create whose transactionId matches a live event of the same
mailbox returns that event instead of making a second one), deleted events,
statistics and the fault configuration, all behind one lock; plus the
validation of an event payload as Graph applies it to all-day events.

Fault keys (each optional, combinable; see ``FAULT_KEYS``)::

  {"graph": {"status": 429, "count": 2, "retry_after": 1, "method": "POST"},
   "graph_hang": {"seconds": 3, "count": 1, "method": "POST"},
   "token": {"status": 503, "count": 1, "retry_after": 0},
   "token_hang": {"seconds": 3, "count": 1},
   "expire_tokens": true,
   "missing_users": ["left@example.com"]}

``graph`` answers Graph's error envelope with any 4xx/5xx (``method`` limits it
to POST, GET or DELETE); ``count`` null means "until cleared"; ``retry_after``
null means no ``Retry-After`` header. A hang sleeps, then answers normally: a
hung create is still stored, and the client's retry with the same transactionId
gets the same event. ``token`` makes the token endpoint fail with an AADSTS
error (a 400/401 reads as an expired client secret, AADSTS7000222). ``expire_tokens``
is an action: every token issued so far is refused (401 InvalidAuthenticationToken)
from now on. ``missing_users`` are mailboxes that do not exist (404 ErrorInvalidUser).
POST merges keys; a key set to null clears that fault.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from worker.devtools.graph_sandbox.config import GraphSandboxConfig

Json: TypeAlias = Any
Clock: TypeAlias = Callable[[], float]

FAULT_KEYS = frozenset({"graph", "graph_hang", "token", "token_hang", "expire_tokens", "missing_users"})
METHODS = ("GET", "POST", "DELETE")
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
_MIDNIGHT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T00:00:00(\.0+)?")
_DATE_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?")
_SUBJECT_LIMIT = 255
_USER_RE = re.compile(r"[^@\s/]{1,64}@[^@\s/]{1,255}|[0-9a-fA-F-]{36}")


class SandboxConfigError(ValueError):
    """A fault payload sent to the control API is malformed."""


class GraphError(Exception):
    """An answer in Graph's error envelope."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(slots=True)
class StatusFault:
    status: int
    count: int | None
    retry_after: int | None
    method: str | None = None

    def as_json(self) -> dict[str, Json]:
        return {"status": self.status, "count": self.count, "retry_after": self.retry_after, "method": self.method}


@dataclass(slots=True)
class HangFault:
    seconds: float
    count: int | None
    method: str | None = None

    def as_json(self) -> dict[str, Json]:
        return {"seconds": self.seconds, "count": self.count, "method": self.method}


@dataclass(slots=True)
class _Faults:
    graph: StatusFault | None = None
    graph_hang: HangFault | None = None
    token: StatusFault | None = None
    token_hang: HangFault | None = None
    missing_users: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Json]:
        return {
            "graph": self.graph.as_json() if self.graph else None,
            "graph_hang": self.graph_hang.as_json() if self.graph_hang else None,
            "token": self.token.as_json() if self.token else None,
            "token_hang": self.token_hang.as_json() if self.token_hang else None,
            "missing_users": sorted(self.missing_users),
        }


def _parse_count(raw: Json, key: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise SandboxConfigError(f"{key}.count must be a positive integer or null")
    return raw


def _parse_method(raw: Json, key: str) -> str | None:
    if raw is None:
        return None
    if raw not in METHODS:
        raise SandboxConfigError(f"{key}.method must be one of {', '.join(METHODS)} or null")
    return str(raw)


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
    return StatusFault(status, _parse_count(raw.get("count"), key), retry_after, _parse_method(raw.get("method"), key))


def _parse_hang_fault(raw: Json, key: str) -> HangFault:
    if not isinstance(raw, dict):
        raise SandboxConfigError(f"{key} must be an object")
    seconds = raw.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SandboxConfigError(f"{key}.seconds must be a non-negative number")
    return HangFault(float(seconds), _parse_count(raw.get("count"), key), _parse_method(raw.get("method"), key))


def _date_time(raw: Json, key: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise GraphError(400, "ErrorInvalidRequest", f"'{key}' must be a dateTimeTimeZone object.")
    value, zone = raw.get("dateTime"), raw.get("timeZone")
    if not isinstance(value, str) or not _DATE_TIME_RE.fullmatch(value):
        raise GraphError(400, "ErrorInvalidRequest", f"'{key}.dateTime' is not a valid date and time.")
    if not isinstance(zone, str) or not zone:
        raise GraphError(400, "ErrorInvalidRequest", f"'{key}.timeZone' is required.")
    return {"dateTime": value, "timeZone": zone}


def validate_event(payload: Json) -> dict[str, Json]:
    """The event Graph would store for this POST body, or ``GraphError`` 400 as Graph words it."""
    if not isinstance(payload, dict):
        raise GraphError(400, "BadRequest", "Empty Payload. JSON content expected.")
    start, end = _date_time(payload.get("start"), "start"), _date_time(payload.get("end"), "end")
    subject = payload.get("subject", "")
    if not isinstance(subject, str) or len(subject) > _SUBJECT_LIMIT:
        raise GraphError(400, "ErrorInvalidRequest", f"'subject' must be a string of at most {_SUBJECT_LIMIT}.")
    show_as = payload.get("showAs", "busy")
    if show_as not in SHOW_AS:
        raise GraphError(400, "ErrorInvalidRequest", f"'showAs' must be one of {', '.join(SHOW_AS)}.")
    all_day = payload.get("isAllDay", False)
    if not isinstance(all_day, bool):
        raise GraphError(400, "ErrorInvalidRequest", "'isAllDay' must be a boolean.")
    if all_day and (
        not _MIDNIGHT_RE.fullmatch(start["dateTime"])
        or not _MIDNIGHT_RE.fullmatch(end["dateTime"])
        or start["timeZone"] != end["timeZone"]
    ):
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. If 'IsAllDay' is true, 'StartTime' and 'EndTime' must be"
            " on the same time zone and at midnight.",
        )
    if end["dateTime"][:19] <= start["dateTime"][:19]:
        raise GraphError(400, "ErrorInvalidRequest", "The event's end must be after its start.")
    transaction_id = payload.get("transactionId")
    if transaction_id is not None and (not isinstance(transaction_id, str) or not 0 < len(transaction_id) <= 256):
        raise GraphError(400, "ErrorInvalidRequest", "'transactionId' must be a non-empty string.")
    body = payload.get("body") or {"contentType": "text", "content": ""}
    return {
        "subject": subject,
        "body": body,
        "start": start,
        "end": end,
        "isAllDay": all_day,
        "showAs": show_as,
        "isReminderOn": bool(payload.get("isReminderOn", True)),
        "categories": payload.get("categories") or [],
        "transactionId": transaction_id,
    }


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _event_id() -> str:
    return "AAMkAGSandbox" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")


@dataclass(slots=True)
class _Token:
    expires_at: float


@dataclass
class GraphSandboxState:
    """Everything the sandbox remembers, guarded by one lock."""

    config: GraphSandboxConfig
    clock: Clock
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    tokens: dict[str, _Token] = field(default_factory=dict)
    events: dict[str, dict[str, dict[str, Json]]] = field(default_factory=dict)  # mailbox → id → event
    deleted: list[dict[str, Json]] = field(default_factory=list)
    faults: _Faults = field(default_factory=_Faults)
    requests: dict[str, int] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    faults_injected: dict[str, int] = field(default_factory=dict)
    tokens_issued: int = 0
    creates_deduplicated: int = 0

    # -- statistics --------------------------------------------------------------------

    def count_request(self, key: str) -> None:
        with self.lock:
            self.requests[key] = self.requests.get(key, 0) + 1

    def count_response(self, status: int) -> None:
        with self.lock:
            self.responses[str(status)] = self.responses.get(str(status), 0) + 1

    def _count_fault(self, key: str) -> None:
        self.faults_injected[key] = self.faults_injected.get(key, 0) + 1

    def stats(self) -> dict[str, Json]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "responses_by_status": dict(self.responses),
                "faults_injected": dict(self.faults_injected),
                "tokens_issued": self.tokens_issued,
                "active_tokens": len(self.tokens),
                "live_events": sum(len(box) for box in self.events.values()),
                "deleted_events": len(self.deleted),
                "creates_deduplicated": self.creates_deduplicated,
            }

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.events.clear()
            self.deleted.clear()
            self.faults = _Faults()
            self.requests.clear()
            self.responses.clear()
            self.faults_injected.clear()
            self.tokens_issued = 0
            self.creates_deduplicated = 0

    # -- faults ------------------------------------------------------------------------

    def set_faults(self, raw: Json) -> dict[str, Json]:
        if not isinstance(raw, dict):
            raise SandboxConfigError("faults must be a JSON object")
        unknown = set(raw) - FAULT_KEYS
        if unknown:
            raise SandboxConfigError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        parsed: dict[str, Any] = {}  # everything parsed before state changes, so a bad payload changes nothing
        for key in ("graph", "token"):
            if key in raw:
                parsed[key] = None if raw[key] is None else _parse_status_fault(raw[key], key)
        for key in ("graph_hang", "token_hang"):
            if key in raw:
                parsed[key] = None if raw[key] is None else _parse_hang_fault(raw[key], key)
        if "missing_users" in raw:
            users = raw["missing_users"] or []
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                raise SandboxConfigError("missing_users must be a list of strings")
            parsed["missing_users"] = frozenset(u.lower() for u in users)
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

    def take_hang(self, key: str, method: str) -> float:
        """Seconds to hang this request (0 = none); consumes one count."""
        with self.lock:
            fault: HangFault | None = getattr(self.faults, key)
            if fault is None or (fault.method is not None and fault.method != method):
                return 0.0
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    setattr(self.faults, key, None)
            self._count_fault(key)
            return fault.seconds

    def take_status_fault(self, key: str, method: str) -> StatusFault | None:
        """The injected failure for this request, if any; consumes one count."""
        with self.lock:
            fault: StatusFault | None = getattr(self.faults, key)
            if fault is None or (fault.method is not None and fault.method != method):
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    setattr(self.faults, key, None)
            self._count_fault(f"{key}_{fault.status}")
            return StatusFault(fault.status, None, fault.retry_after, fault.method)

    # -- tokens ------------------------------------------------------------------------

    def issue_token(self) -> tuple[str, int]:
        token = "sandbox." + secrets.token_urlsafe(32)
        ttl = self.config.token_ttl_seconds
        with self.lock:
            self.tokens[token] = _Token(self.clock() + ttl)
            self.tokens_issued += 1
        return token, ttl

    def token_valid(self, token: str) -> bool:
        with self.lock:
            issued = self.tokens.get(token)
            if issued is None:
                return False
            if self.clock() >= issued.expires_at:
                del self.tokens[token]
                return False
            return True

    # -- mailboxes and events ----------------------------------------------------------

    def mailbox(self, user: str) -> str:
        """The mailbox key for a user id or UPN; ``GraphError`` 404 when it does not exist."""
        key = user.lower()
        if not _USER_RE.fullmatch(key):
            raise GraphError(400, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        with self.lock:
            if key in self.faults.missing_users:
                self._count_fault("missing_users")
                raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        return key

    def create_event(self, mailbox: str, event: dict[str, Json]) -> dict[str, Json]:
        """Store a validated event; a live event of the mailbox with the same transactionId is returned instead."""
        with self.lock:
            box = self.events.setdefault(mailbox, {})
            transaction_id = event.get("transactionId")
            if transaction_id is not None:
                for existing in box.values():
                    if existing["transactionId"] == transaction_id:
                        self.creates_deduplicated += 1
                        return dict(existing)
            now = _now_iso()
            stored = {
                "id": _event_id(),
                "createdDateTime": now,
                "lastModifiedDateTime": now,
                "iCalUId": "040000008200E00074C5B7101A82E008" + secrets.token_hex(16).upper(),
                "type": "singleInstance",
                **event,
            }
            box[stored["id"]] = stored
            return dict(stored)

    def event(self, mailbox: str, event_id: str) -> dict[str, Json]:
        with self.lock:
            found = self.events.get(mailbox, {}).get(event_id)
            if found is None:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return dict(found)

    def list_events(self, mailbox: str) -> list[dict[str, Json]]:
        with self.lock:
            return [dict(e) for e in self.events.get(mailbox, {}).values()]

    def delete_event(self, mailbox: str, event_id: str) -> None:
        with self.lock:
            found = self.events.get(mailbox, {}).pop(event_id, None)
            if found is None:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            self.deleted.append({**found, "mailbox": mailbox, "deletedDateTime": _now_iso()})

    def all_events(self) -> list[dict[str, Json]]:
        """Every live event with its mailbox, oldest first."""
        with self.lock:
            rows = [{**e, "mailbox": box} for box, events in self.events.items() for e in events.values()]
        return sorted(rows, key=lambda e: e["createdDateTime"])

    def deleted_events(self) -> list[dict[str, Json]]:
        with self.lock:
            return [dict(e) for e in self.deleted]


def request_id() -> str:
    return str(uuid.uuid4())
