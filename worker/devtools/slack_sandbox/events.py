"""Slack's side of HTTP mode, for the tests and the demo: events and interactions
posted to the app's events URL, signed as Slack signs them (v0 HMAC-SHA256 of
``v0:<timestamp>:<body>`` with the signing secret), and readers of the home views
the app publishes to the sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

TEAM = {"id": "T0SANDBOX", "domain": "hithonix-sandbox"}


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


class SlackPoster:
    """Posts events and interactions to the app's events URL, signed with ``secret``."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret
        self.counter = 0

    def post(self, body: str, content_type: str, *, secret: str | None = None) -> httpx.Response:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(secret or self.secret, timestamp, body),
        }
        return httpx.post(self.url, content=body, headers=headers, timeout=30)

    def _next(self) -> str:
        self.counter += 1
        return str(self.counter)

    def home_opened(self, user: str, *, secret: str | None = None) -> httpx.Response:
        body = {
            "token": "unused",
            "team_id": TEAM["id"],
            "api_app_id": "A0HITHONIX",
            "type": "event_callback",
            "event_id": f"Ev{self._next()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user}",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
        }
        return self.post(json.dumps(body), "application/json", secret=secret)

    def _interaction(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, user: str, action_id: str, value: str, block_id: str = "b") -> httpx.Response:
        n = self._next()
        return self._interaction(
            {
                "type": "block_actions",
                "team": TEAM,
                "user": {"id": user, "team_id": TEAM["id"]},
                "api_app_id": "A0HITHONIX",
                "trigger_id": f"trigger.{n}",
                "container": {"type": "view", "view_id": "VHOME"},
                "view": {"id": "VHOME", "type": "home"},
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": block_id,
                        "value": value,
                        "action_ts": f"{time.time():.6f}.{n}",
                    }
                ],
            }
        )

    def submit(
        self, user: str, callback_id: str, values: dict[str, dict[str, str]], private_metadata: str = ""
    ) -> httpx.Response:
        """A view_submission; ``values`` is block_id → action_id → text."""
        n = self._next()
        state = {
            block: {action: {"type": "plain_text_input", "value": text} for action, text in actions.items()}
            for block, actions in values.items()
        }
        return self._interaction(
            {
                "type": "view_submission",
                "team": TEAM,
                "user": {"id": user, "team_id": TEAM["id"]},
                "api_app_id": "A0HITHONIX",
                "trigger_id": f"trigger.{n}",
                "view": {
                    "id": f"VMODAL{n}",
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": state},
                },
            }
        )


def buttons(view: dict[str, Any] | None) -> list[str]:
    """The action ids of the home view's punch buttons."""
    assert view is not None, "no home view was published"
    return [
        element["value"]
        for block in view["blocks"]
        if block.get("type") == "actions" and block.get("block_id") == "punches"
        for element in block["elements"]
    ]


def text_of(view: dict[str, Any] | None) -> str:
    assert view is not None
    parts = []
    for block in view["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
    return "\n".join(parts)
