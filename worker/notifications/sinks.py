"""Where a notice goes: a Slack DM (``chat.postMessage`` to the user id), or the log.

A sink raises ``RetryLater`` for what may pass (429 with Slack's ``Retry-After``, 5xx,
a network error) and ``Undeliverable`` for what will not (no such user, a refused
token); the lane retries or dead-letters accordingly.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from worker.observability import log

# Slack errors that a retry will not fix
PERMANENT_ERRORS = frozenset(
    {"channel_not_found", "user_not_found", "user_disabled", "account_inactive", "is_archived", "invalid_arguments"}
)


class RetryLater(Exception):
    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds  # None: the lane's backoff decides


class Undeliverable(Exception):
    pass


class Sink(Protocol):
    name: str

    def send(self, recipient: dict[str, Any] | None, notice: dict[str, Any]) -> None: ...


class LogSink:
    """Slack not configured: the notice is written to the log (and so leaves the queue)."""

    name = "log"

    def send(self, recipient: dict[str, Any] | None, notice: dict[str, Any]) -> None:
        log.info(
            "notification",
            sink="log",
            kind=notice.get("kind"),
            employee_id=notice.get("employee_id"),
            slack_user_id=(recipient or {}).get("slack_user_id"),
            text=notice.get("text"),
        )


class SlackSink:
    """A DM per notice; a recipient without a Slack user id gets the log line instead."""

    name = "slack"

    def __init__(self, bot_token: str, api_url: str, timeout_seconds: float = 10.0) -> None:
        # no retry handlers: the lane retries through the queue, never by sleeping here
        self.client = WebClient(token=bot_token, base_url=api_url, timeout=int(timeout_seconds), retry_handlers=[])
        self.fallback = LogSink()

    def send(self, recipient: dict[str, Any] | None, notice: dict[str, Any]) -> None:
        user = (recipient or {}).get("slack_user_id")
        if not user:
            self.fallback.send(recipient, notice)
            return
        try:
            self.client.chat_postMessage(channel=user, text=str(notice.get("text", "")))
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or "") if exc.response.data else ""
            if status == 429:
                raw = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                raise RetryLater("ratelimited", float(raw) if raw and str(raw).isdigit() else None) from exc
            if status >= 500:
                raise RetryLater(f"slack_http_{status}") from exc
            if error in PERMANENT_ERRORS:
                raise Undeliverable(error) from exc
            raise RetryLater(error or f"slack_http_{status}") from exc
        except SlackClientError as exc:
            raise RetryLater(type(exc).__name__) from exc
        except OSError as exc:
            raise RetryLater(type(exc).__name__) from exc
