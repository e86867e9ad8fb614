"""HTTP clients for Keka: attendance-log ingestion and the HRIS employee API.

This module owns every byte the worker sends to Keka (docs/keka.md, sections 1-2):

* ``KekaLogsClient.post_logs`` pushes one batch of punches to ``/v1/logs`` and
  classifies the outcome as ``ok`` / ``transient`` / ``rejected`` / ``items`` without
  raising and without retrying: the worker owns retry policy, the circuit breaker and
  dead-lettering. ``rejected`` is a whole-request refusal that says nothing about the
  punches (a wrong key, a malformed DeviceIdentifier, a wrong URL); ``items`` a
  refusal whose errors point at punch fields, the only case worth bisecting.
* ``KekaHrisClient`` obtains and caches the HRIS token (through a ``TokenStore`` the
  caller provides, e.g. the ``keka_tokens`` table), re-authenticates once on 401,
  honours 429 (``Retry-After`` when present, else a full rate-limit window), retries
  5xx/timeouts with exponential backoff and jitter, and pages through employees.

Configuration comes only from constructor arguments; nothing is read from the
environment here and nothing is module-global.
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeAlias

import httpx
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

Json: TypeAlias = Any
PushKind: TypeAlias = Literal["ok", "transient", "rejected", "items"]
Sleep: TypeAlias = Callable[[float], None]
UtcClock: TypeAlias = Callable[[], datetime]

KEKA_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
MAX_PAGE_SIZE = 200
_ERROR_TEXT_LIMIT = 500
USER_AGENT = "hithonix-attendance-worker/1 (+https://hithonix.example/attendance)"
# Fields of one log item other than the device: an error naming one points at punches.
_ITEM_FIELDS = re.compile(r"EmployeeAttendanceNumber|Timestamp|\bStatus\b", re.IGNORECASE)
# The device identifier is our configuration, the same in every item.
_REQUEST_FIELDS = re.compile(r"DeviceIdentifier|System\.Guid", re.IGNORECASE)


# -- errors ------------------------------------------------------------------------------


class KekaError(Exception):
    """Keka answered in a way the caller cannot use (or could not be reached)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class KekaAuthError(KekaError):
    """The token endpoint refused the credentials, or a fresh token was refused (401)."""


class KekaRateLimited(KekaError):
    """Still 429 after the allowed number of waits."""

    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status_code=429)
        self.retry_after = retry_after


class KekaUnavailable(KekaError):
    """5xx, timeouts or connection errors persisted through every backoff attempt."""


# -- shared helpers ----------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error_text(response: httpx.Response) -> str:
    """A short human-readable reason from a Keka error body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)[:_ERROR_TEXT_LIMIT]
        for key in ("message", "error_description", "error"):
            if body.get(key):
                return str(body[key])[:_ERROR_TEXT_LIMIT]
    text = response.text.strip()
    return (text or response.reason_phrase or f"HTTP {response.status_code}")[:_ERROR_TEXT_LIMIT]


# -- attendance-log ingestion -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogItem:
    """One punch as Keka receives it; ``timestamp`` is naive IST wall-clock time."""

    device_identifier: str
    attendance_number: str
    timestamp: datetime
    status: int  # 0 = IN, 1 = OUT

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is not None:
            raise ValueError("LogItem.timestamp must be naive local (IST) wall-clock time")
        if self.status not in (0, 1) or isinstance(self.status, bool):
            raise ValueError("LogItem.status must be 0 (IN) or 1 (OUT)")
        if not self.device_identifier or not self.attendance_number:
            raise ValueError("LogItem needs a device identifier and an attendance number")

    def to_json(self) -> dict[str, Json]:
        """Keka's field names; the timestamp to the second (sub-seconds are dropped)."""
        return {
            "DeviceIdentifier": self.device_identifier,
            "EmployeeAttendanceNumber": self.attendance_number,
            "Timestamp": self.timestamp.strftime(KEKA_TIMESTAMP_FORMAT),
            "Status": self.status,
        }


@dataclass(frozen=True, slots=True)
class PushResult:
    """Outcome of one ``POST /v1/logs``.

    ``kind``: ``ok`` (2xx, succeeded: compare ``logs_accepted`` with what was sent),
    ``transient`` (5xx, 408, 429, timeout, connection error, unreadable 2xx body),
    ``rejected`` (401/403/404/405/413, or a 4xx / ``succeeded: false`` whose errors do
    not name a punch field, e.g. "could not be converted to System.Guid": nothing is
    known about the punches) or ``items`` (a 4xx whose errors name a punch field).
    ``maybe_received``: the request went out and no answer came back (a read timeout
    or a dropped connection), so Keka may have stored it.
    """

    kind: PushKind
    http_status: int | None
    retry_after: float | None
    error: str | None
    logs_received: int | None
    logs_accepted: int | None
    latency_ms: float
    maybe_received: bool = False

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class _HttpClientOwner:
    """Closes the httpx client it created (not one it was given); usable as ``with``."""

    _http: httpx.Client
    _owns_client: bool

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class KekaLogsClient(_HttpClientOwner):
    """Pushes punch batches to ``<base_url>/v1/logs`` with the ingestion key."""

    def __init__(
        self,
        base_url: str,
        ingestion_key: str,
        timeout: float = 10.0,
        *,
        max_batch_size: int = 100,
        http_client: httpx.Client | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        """``http_client`` lets callers share a pool; it is then not closed by ``close``."""
        self._url = base_url.rstrip("/") + "/v1/logs"
        self._headers = {"X-API-Key": ingestion_key, "Accept": "application/json", "User-Agent": user_agent}
        self._timeout = httpx.Timeout(timeout)
        self._max_batch_size = max_batch_size
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(timeout=self._timeout)
        self._lock = threading.Lock()
        self._requests_made = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (one per ``post_logs`` call)."""
        return self._requests_made

    def post_logs(self, items: Sequence[LogItem]) -> PushResult:
        """Send one batch. Never raises for HTTP or network outcomes; never retries.

        Raises ValueError only for caller mistakes (empty or oversized batch).
        """
        if not items:
            raise ValueError("post_logs needs at least one item")
        if len(items) > self._max_batch_size:
            raise ValueError(f"batch of {len(items)} exceeds {self._max_batch_size} items")
        body = [item.to_json() for item in items]
        with self._lock:
            self._requests_made += 1
        started = time.perf_counter()
        try:
            response = self._http.post(self._url, json=body, headers=self._headers, timeout=self._timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return self._failure("transient", None, f"connection error: {exc!r}", started)
        except httpx.TransportError as exc:  # sent (or partly): the answer is what was lost
            failure = self._failure("transient", None, f"no answer: {exc!r}", started)
            return replace(failure, maybe_received=True)
        return self._classify(response, started)

    def _classify(self, response: httpx.Response, started: float) -> PushResult:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if 200 <= status < 300:
            try:
                body = response.json()
                data = body["data"]
                received, accepted = int(data["logsReceived"]), int(data["logsAccepted"])
                succeeded = body.get("succeeded") is True
            except (ValueError, KeyError, TypeError):
                return self._failure("transient", status, f"unreadable success body: {response.text[:200]}", started)
            if not succeeded:
                error = _error_text(response)
                return self._failure(_refusal_kind(status, error), status, error, started)
            return PushResult(
                kind="ok",
                http_status=status,
                retry_after=None,
                error=None,
                logs_received=received,
                logs_accepted=accepted,
                latency_ms=self._elapsed_ms(started),
            )
        error = _error_text(response)
        kind: PushKind = "transient" if status >= 500 or status in (408, 429) else _refusal_kind(status, error)
        return self._failure(kind, status, error, started, retry_after)

    def _failure(
        self,
        kind: PushKind,
        status: int | None,
        error: str,
        started: float,
        retry_after: float | None = None,
    ) -> PushResult:
        return PushResult(
            kind=kind,
            http_status=status,
            retry_after=retry_after,
            error=error,
            logs_received=None,
            logs_accepted=None,
            latency_ms=self._elapsed_ms(started),
        )

    @staticmethod
    def _elapsed_ms(started: float) -> float:
        return round((time.perf_counter() - started) * 1000, 3)


def _refusal_kind(status: int, error: str) -> PushKind:
    """``items`` only when the answer points at a punch field and not at the device."""
    if status in (400, 422) and _ITEM_FIELDS.search(error) and not _REQUEST_FIELDS.search(error):
        return "items"
    return "rejected"


# -- HRIS --------------------------------------------------------------------------------


class TokenStore(Protocol):
    """Where the HRIS token lives between processes (the lead backs it with keka_tokens)."""

    def load(self) -> tuple[str, datetime] | None:
        """The saved (access_token, expires_at as an aware UTC datetime), if any."""
        ...

    def save(self, token: str, expires_at: datetime) -> None:
        """Persist a freshly issued token and its expiry (aware UTC datetime)."""
        ...


class InMemoryTokenStore:
    """A TokenStore that lives as long as the process; for tests and simple tools."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[str, datetime] | None = None
        self.saves = 0

    def load(self) -> tuple[str, datetime] | None:
        with self._lock:
            return self._value

    def save(self, token: str, expires_at: datetime) -> None:
        with self._lock:
            self._value = (token, expires_at)
            self.saves += 1


class _RetryableHTTPError(Exception):
    """A 5xx answer, raised inside the tenacity loop so it is retried."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KekaHrisClient(_HttpClientOwner):
    """Reads employees from ``<base_url>/hris/employees`` with a cached Bearer token.

    ``base_url`` is the API root, e.g. ``https://acme.keka.com/api/v1``; ``token_url``
    the full token endpoint, e.g. ``https://login.keka.com/connect/token``.
    """

    def __init__(
        self,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        api_key: str,
        timeout: float = 10.0,
        token_store: TokenStore | None = None,
        *,
        refresh_margin: timedelta = timedelta(minutes=5),
        max_rate_limit_retries: int = 5,
        rate_limit_window_seconds: float = 60.0,
        max_attempts: int = 4,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        backoff_jitter: float = 0.5,
        sleep: Sleep = time.sleep,
        clock: UtcClock = _utc_now,
        http_client: httpx.Client | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        """``sleep`` serves both 429 waits and backoff; ``clock`` judges token expiry.

        ``max_attempts`` bounds tries per request for 5xx/timeouts/connection errors;
        ``max_rate_limit_retries`` bounds 429 waits per request.
        """
        self._base_url = base_url.rstrip("/")
        self._token_url = token_url
        self._credentials = {
            "grant_type": "kekaapi",
            "scope": "kekaapi",
            "client_id": client_id,
            "client_secret": client_secret,
            "api_key": api_key,
        }
        self._timeout = httpx.Timeout(timeout)
        self._store: TokenStore = token_store if token_store is not None else InMemoryTokenStore()
        self._refresh_margin = refresh_margin
        self._max_rate_limit_retries = max_rate_limit_retries
        self._rate_limit_window = rate_limit_window_seconds
        self._max_attempts = max_attempts
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._backoff_jitter = backoff_jitter
        self._sleep = sleep
        self._clock = clock
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(timeout=self._timeout)
        self._user_agent = user_agent
        self._lock = threading.Lock()  # counters
        self._token_lock = threading.Lock()  # one token fetch at a time
        self._token: tuple[str, datetime] | None = None
        self._requests_made = 0
        self._token_requests = 0
        self._rate_limit_waits = 0

    # -- counters --------------------------------------------------------------------

    @property
    def requests_made(self) -> int:
        """Every HTTP request sent, token requests and retries included."""
        return self._requests_made

    @property
    def token_requests(self) -> int:
        """How many times a new token was requested."""
        return self._token_requests

    @property
    def rate_limit_waits(self) -> int:
        """How many times a 429 made the client sleep."""
        return self._rate_limit_waits

    # -- token -----------------------------------------------------------------------

    def _usable(self, cached: tuple[str, datetime] | None) -> str | None:
        if cached is not None and cached[1] - self._refresh_margin > self._clock():
            return cached[0]
        return None

    def get_token(self, *, force_refresh: bool = False) -> str:
        """A token valid for at least ``refresh_margin``; fetches one when needed."""
        with self._token_lock:
            if not force_refresh:
                cached = self._usable(self._token)
                if cached is not None:
                    return cached
                # Another process may have refreshed the shared store already.
                stored = self._store.load()
                cached = self._usable(stored)
                if cached is not None:
                    self._token = stored
                    return cached
            token, expires_at = self._fetch_token()
            self._store.save(token, expires_at)
            self._token = (token, expires_at)
            return token

    def _fetch_token(self) -> tuple[str, datetime]:
        with self._lock:
            self._token_requests += 1
        response = self._send_with_backoff("POST", self._token_url, data=self._credentials)
        if response.status_code != 200:
            raise KekaAuthError(
                f"token request refused: HTTP {response.status_code}: {_error_text(response)}",
                status_code=response.status_code,
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError) as exc:
            raise KekaAuthError(f"unreadable token response: {response.text[:200]}") from exc
        if not token or expires_in <= 0:
            raise KekaAuthError("token response lacks access_token or expires_in")
        return token, self._clock() + timedelta(seconds=expires_in)

    # -- transport -------------------------------------------------------------------

    def _send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with self._lock:
            self._requests_made += 1
        headers = {**kwargs.pop("headers", {}), "User-Agent": self._user_agent}
        response = self._http.request(method, url, timeout=self._timeout, headers=headers, **kwargs)
        if response.status_code >= 500:
            raise _RetryableHTTPError(response)
        return response

    def _send_with_backoff(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One logical request: 5xx/timeouts/connection errors retried with backoff."""
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_exponential_jitter(
                multiplier=self._backoff_initial, max=self._backoff_max, jitter=self._backoff_jitter
            ),
            retry=retry_if_exception_type((_RetryableHTTPError, httpx.TransportError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, method, url, **kwargs)
        except _RetryableHTTPError as exc:
            raise KekaUnavailable(
                f"{method} {url}: HTTP {exc.response.status_code} after "
                f"{self._max_attempts} attempts: {_error_text(exc.response)}",
                status_code=exc.response.status_code,
            ) from exc
        except httpx.TransportError as exc:
            raise KekaUnavailable(f"{method} {url}: {exc!r} after {self._max_attempts} attempts") from exc

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        """GET with auth (one re-auth on 401) and 429 handling; returns non-401/429."""
        url = self._base_url + path
        reauthenticated = False
        rate_limit_hits = 0
        while True:
            token = self.get_token(force_refresh=reauthenticated)
            response = self._send_with_backoff(
                "GET",
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            if response.status_code == 401:
                if reauthenticated:
                    raise KekaAuthError(
                        f"GET {path}: 401 with a freshly issued token: {_error_text(response)}",
                        status_code=401,
                    )
                reauthenticated = True
                continue
            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                rate_limit_hits += 1
                if rate_limit_hits > self._max_rate_limit_retries:
                    raise KekaRateLimited(
                        f"GET {path}: still rate limited after {self._max_rate_limit_retries} waits",
                        retry_after=retry_after,
                    )
                with self._lock:
                    self._rate_limit_waits += 1
                # Without Retry-After, a whole window guarantees a refill (fixed or rolling).
                self._sleep(self._rate_limit_window if retry_after is None else retry_after)
                continue
            return response

    # -- employees -------------------------------------------------------------------

    def get_employee_page(
        self,
        page_number: int = 1,
        page_size: int = 100,
        *,
        employee_numbers: Sequence[str] | None = None,
        employment_status: Literal["Working", "Relieved"] | None = None,
    ) -> dict[str, Json]:
        """One page envelope of ``GET /hris/employees``."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        params = {"pageNumber": str(page_number), "pageSize": str(page_size)}
        if employee_numbers:
            params["employeeNumbers"] = ",".join(employee_numbers)
        if employment_status is not None:
            params["employmentStatus"] = employment_status
        response = self._get("/hris/employees", params)
        return self._envelope(response, "GET /hris/employees")

    def iter_employee_pages(
        self,
        page_size: int = 100,
        *,
        employee_numbers: Sequence[str] | None = None,
        employment_status: Literal["Working", "Relieved"] | None = None,
    ) -> Iterator[dict[str, Json]]:
        """Each page's envelope, from page 1 until ``totalPages`` (at least one page)."""
        page_number = 1
        while True:
            envelope = self.get_employee_page(
                page_number,
                page_size,
                employee_numbers=employee_numbers,
                employment_status=employment_status,
            )
            yield envelope
            total_pages = int(envelope.get("totalPages") or 0)
            if page_number >= total_pages:
                return
            page_number += 1

    def iter_employees(
        self,
        page_size: int = 100,
        *,
        employee_numbers: Sequence[str] | None = None,
        employment_status: Literal["Working", "Relieved"] | None = None,
    ) -> Iterator[dict[str, Json]]:
        """Every employee object across all pages."""
        for envelope in self.iter_employee_pages(
            page_size, employee_numbers=employee_numbers, employment_status=employment_status
        ):
            yield from envelope.get("data") or []

    def get_employee(self, employee_id: str) -> dict[str, Json] | None:
        """One employee by Keka id, or None when Keka answers 404."""
        response = self._get(f"/hris/employees/{employee_id}")
        if response.status_code == 404:
            return None
        data = self._envelope(response, "GET /hris/employees/{id}").get("data")
        if isinstance(data, list):
            return data[0] if data else None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _envelope(response: httpx.Response, what: str) -> dict[str, Json]:
        if response.status_code != 200:
            raise KekaError(
                f"{what}: HTTP {response.status_code}: {_error_text(response)}",
                status_code=response.status_code,
            )
        try:
            envelope = response.json()
        except ValueError as exc:
            raise KekaError(f"{what}: response is not JSON", status_code=200) from exc
        if not isinstance(envelope, dict) or envelope.get("succeeded") is not True:
            raise KekaError(f"{what}: unsuccessful envelope: {_error_text(response)}", status_code=200)
        return envelope
