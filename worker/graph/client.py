"""HTTP client for Microsoft Graph calendars: the app's token and one mailbox's events.

This module owns every byte the calendar worker sends to Microsoft:

* the client-credentials token comes from Microsoft's own ``msal``
  (``ConfidentialClientApplication.acquire_token_for_client``), which caches it and
  fetches a new one before it expires; a 401 from Graph (a revoked or expired token)
  drops the cached token and retries once with a fresh one;
* ``create_event`` posts an all-day, out-of-office event with a ``transactionId``:
  Graph answers a repeated create with the same transactionId with the event it
  already made, so a create retried after a timeout or a crash makes one event;
* ``delete_event`` deletes by id; 404 means already gone, which is success;
* 429 (honouring ``Retry-After``), 408, 5xx, timeouts and connection errors are
  retried with exponential backoff and jitter (tenacity), a few times within one
  call; what still fails raises ``GraphTransientError`` and the queue retries later.

Configuration comes only from ``GraphSettings``; nothing is read from the environment.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from types import TracebackType
from typing import Any, Self, TypeAlias
from urllib.parse import quote

import httpx
import msal
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from worker.config import GraphSettings
from worker.keka.client import parse_retry_after

Json: TypeAlias = Any
Sleep: TypeAlias = Callable[[float], None]

_ERROR_TEXT_LIMIT = 500
# Entra ID's answers that mean the app registration or the settings are wrong: retrying cannot help
_CONFIGURATION_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request", "unsupported_grant_type"}
)


class GraphError(Exception):
    """Graph or the identity platform answered in a way the caller cannot use."""

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class GraphTransientError(GraphError):
    """429, 5xx, timeouts or connection errors persisted through every retry: try again later."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, code=code)
        self.retry_after = retry_after


class GraphAuthError(GraphTransientError):
    """No usable token: the identity platform refused the app's credentials, or Graph refused a fresh token.

    Transient for the message (it waits for an operator to fix the settings); logged as an error.
    """


class GraphPermanentError(GraphError):
    """Graph refused the request itself (400, 403, unknown mailbox): retrying the same request cannot help."""


class _Retryable(Exception):
    def __init__(self, message: str, status_code: int | None, retry_after: float | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LeaveEvent:
    """An all-day out-of-office event from ``first_day`` to ``last_day`` inclusive."""

    subject: str
    body: str
    first_day: date
    last_day: date
    time_zone: str
    transaction_id: str

    def to_json(self) -> dict[str, Json]:
        """Graph's all-day shape: midnight to midnight, the end the day after the last day."""
        end = self.last_day + timedelta(days=1)
        return {
            "subject": self.subject[:255],
            "body": {"contentType": "text", "content": self.body},
            "start": {"dateTime": f"{self.first_day.isoformat()}T00:00:00", "timeZone": self.time_zone},
            "end": {"dateTime": f"{end.isoformat()}T00:00:00", "timeZone": self.time_zone},
            "isAllDay": True,
            "showAs": "oof",
            "isReminderOn": False,
            "transactionId": self.transaction_id,
        }


def _error_text(response: httpx.Response) -> tuple[str, str | None]:
    """(a short reason, Graph's error code) from an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        text = f"{code}: {body['error'].get('message', '')}"
        return text[:_ERROR_TEXT_LIMIT], code
    text = response.text.strip() or response.reason_phrase or f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}: {text}"[:_ERROR_TEXT_LIMIT], None


class _IdentitySession(requests.Session):
    """msal's HTTP session: the configured CA bundle and timeout on every request.

    requests lets ``REQUESTS_CA_BUNDLE`` override a session's ``verify``; passing it per
    request makes ``GRAPH_CA_BUNDLE`` win, as the setting promises.
    """

    def __init__(self, ca_bundle: str | None, timeout: float) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        if self._ca_bundle:
            kwargs["verify"] = self._ca_bundle
        return super().request(method, url, *args, **kwargs)


class GraphCalendarClient:
    """Creates and deletes events in users' calendars as the app (client credentials)."""

    def __init__(
        self, settings: GraphSettings, *, http_client: httpx.Client | None = None, sleep: Sleep = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._lock = threading.Lock()
        self._msal: msal.ConfidentialClientApplication | None = None
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=settings.ca_bundle) if settings.ca_bundle else True
        )
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            verify=verify,
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers={"Accept": "application/json"},
        )
        self.token_requests = 0

    # -- the token ---------------------------------------------------------------------

    def _app(self) -> msal.ConfidentialClientApplication:
        """msal's app, built on first use (its constructor already reads the tenant's OIDC discovery)."""
        if self._msal is None:
            settings = self.settings
            try:
                self._msal = msal.ConfidentialClientApplication(
                    settings.client_id,
                    client_credential=settings.client_secret,
                    authority=settings.authority,
                    # no lookup of the host in Microsoft's instance list: the authority is what the settings
                    # say (login.microsoftonline.com, a national cloud, or a local identity server)
                    instance_discovery=False,
                    http_client=_IdentitySession(settings.ca_bundle, settings.timeout_seconds),
                )
            except ValueError as exc:  # msal: the tenant's discovery document was refused (unknown tenant)
                raise GraphAuthError(f"authority {settings.authority} refused: {exc}"[:_ERROR_TEXT_LIMIT]) from exc
            except requests.RequestException as exc:
                raise GraphTransientError(f"identity platform unreachable: {exc}"[:_ERROR_TEXT_LIMIT]) from exc
        return self._msal

    def token(self) -> str:
        """An access token for ``settings.scope``, from msal's cache when still valid."""
        with self._lock:
            app = self._app()
            try:
                result = app.acquire_token_for_client(scopes=[self.settings.scope])
            except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
                raise GraphTransientError(f"token endpoint unreachable: {exc}"[:_ERROR_TEXT_LIMIT]) from exc
            if "access_token" in result:
                if result.get("token_source") == "identity_provider":
                    self.token_requests += 1
                return str(result["access_token"])
            error = str(result.get("error", "unknown_error"))
            description = str(result.get("error_description", ""))[:_ERROR_TEXT_LIMIT]
            if error in _CONFIGURATION_ERRORS:
                raise GraphAuthError(f"{error}: {description}", code=error)
            raise GraphTransientError(f"{error}: {description}")

    def forget_token(self) -> None:
        """Drop the cached access tokens (Graph refused one): the next ``token()`` asks for a new one."""
        with self._lock:
            if self._msal is None:
                return
            cache = self._msal.token_cache
            for item in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(item)

    # -- one request, with retries -------------------------------------------------------

    def _send_once(self, method: str, path: str, payload: Json = None) -> httpx.Response:
        """One request with a token; a 401 gets one fresh token; 429/408/5xx/timeouts raise ``_Retryable``."""
        response: httpx.Response | None = None
        for fresh in (False, True):
            if fresh:
                self.forget_token()
            headers = {"Authorization": f"Bearer {self.token()}"}
            try:
                response = self._http.request(method, path, json=payload, headers=headers)
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timeout after {self.settings.timeout_seconds}s: {exc!r}", None, None) from exc
            except httpx.TransportError as exc:
                raise _Retryable(f"connection error: {exc!r}", None, None) from exc
            if response.status_code != 401:
                break
        assert response is not None
        status = response.status_code
        if status == 401:
            text, code = _error_text(response)
            raise GraphAuthError(f"Graph refused a fresh token: {text}", status_code=401, code=code)
        if status in (408, 429) or status >= 500:
            text, _ = _error_text(response)
            raise _Retryable(text, status, parse_retry_after(response.headers.get("Retry-After")))
        return response

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, at least the server's Retry-After."""
        backoff = wait_exponential_jitter(multiplier=0.5, jitter=0.5, max=self.settings.retry_max_wait_seconds)(state)
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, _Retryable) else None
        return max(backoff, retry_after or 0.0)

    def _stop(self, state: RetryCallState) -> bool:
        """Out of attempts, or the server asks for a longer wait than one call may spend (the queue waits)."""
        if stop_after_attempt(self.settings.retry_attempts)(state):
            return True
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, _Retryable) else None
        return retry_after is not None and retry_after > self.settings.retry_max_wait_seconds

    def request(self, method: str, path: str, payload: Json = None) -> httpx.Response:
        """``method path`` with retries; the answer when it is neither transient nor 401."""
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send_once(method, path, payload)
        except _Retryable as exc:
            raise GraphTransientError(str(exc), status_code=exc.status_code, retry_after=exc.retry_after) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    # -- calendar ------------------------------------------------------------------------

    @staticmethod
    def _events_path(user_id: str) -> str:
        return f"users/{quote(user_id, safe='@')}/events"

    def create_event(self, user_id: str, event: LeaveEvent) -> str:
        """Create (or find again, by transactionId) the event in the user's calendar; returns its id."""
        response = self.request("POST", self._events_path(user_id), event.to_json())
        if response.status_code in (200, 201):
            event_id = response.json().get("id")
            if isinstance(event_id, str) and event_id:
                return event_id
            raise GraphPermanentError("Graph created an event without an id", status_code=response.status_code)
        text, code = _error_text(response)
        raise GraphPermanentError(text, status_code=response.status_code, code=code)

    def delete_event(self, user_id: str, event_id: str) -> bool:
        """Delete the event; False when it was already gone (404), which is success too."""
        path = f"{self._events_path(user_id)}/{quote(event_id, safe='')}"
        response = self.request("DELETE", path)
        if response.status_code in (200, 204):
            return True
        if response.status_code == 404:
            return False
        text, code = _error_text(response)
        raise GraphPermanentError(text, status_code=response.status_code, code=code)

    def get_event(self, user_id: str, event_id: str) -> dict[str, Json] | None:
        """The event, or None when it does not exist."""
        path = f"{self._events_path(user_id)}/{quote(event_id, safe='')}"
        response = self.request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            text, code = _error_text(response)
            raise GraphPermanentError(text, status_code=response.status_code, code=code)
        body: dict[str, Json] = response.json()
        return body

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
