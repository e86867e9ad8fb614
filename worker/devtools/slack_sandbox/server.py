"""Local Slack Web API sandbox: real HTTP on loopback, answering the Web API methods the
app and the notification lane use, the way Slack does (``{"ok": …}`` envelopes, Bearer
bot token, 429 with ``Retry-After``), and recording every call.

Methods (``POST /api/<method>``, JSON or form body, ``Authorization: Bearer <bot token>``):
  auth.test, views.publish, views.open, views.update, chat.postMessage, users.info
Fault switches (``/_sandbox/faults``, see ``worker.devtools.sandbox``):
  ``rate_limit``   {"count": n, "retry_after": s, "method": "chat.postMessage" (optional)} → 429
  ``server_error`` {"count": n, "status": 500|502|503, "method": … (optional)} → 5xx
Extra control: ``GET /_sandbox/home/<user>`` the user's published home view,
``GET /_sandbox/messages`` the posted messages, ``GET /_sandbox/modals`` opened modals.

The Slack client points at it with ``SLACK_API_URL=<url>/api/`` (slack_sdk's ``base_url``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from typing import Any, ClassVar

import click
from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from worker.devtools.sandbox import Answer, Call, RecordingSandbox, SandboxApp, SandboxState, serve_until_stopped

BOT_TOKEN = "xoxb-sandbox-bot-token"
SIGNING_SECRET = "sandbox-signing-secret"
METHODS = ("auth.test", "views.publish", "views.open", "views.update", "chat.postMessage", "users.info")


class SlackSandboxState(SandboxState):
    def __init__(self, bot_token: str) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.reset()

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.homes: dict[str, dict[str, Any]] = {}
            self.modals: list[dict[str, Any]] = []
            self.messages: list[dict[str, Any]] = []
            self.users: dict[str, dict[str, Any]] = {}
            self.ids = itertools.count(1)


class SlackSandboxApp(SandboxApp):
    rules: ClassVar[list[Rule]] = [
        Rule("/api/<method>", endpoint="method", methods=["POST", "GET"]),
        Rule("/_sandbox/home/<user>", endpoint="control_home", methods=["GET"]),
        Rule("/_sandbox/messages", endpoint="control_messages", methods=["GET"]),
        Rule("/_sandbox/modals", endpoint="control_modals", methods=["GET"]),
    ]
    state: SlackSandboxState

    @staticmethod
    def _arguments(request: Request) -> dict[str, Any]:
        if request.mimetype == "application/json":
            body = SandboxApp.json_body(request)
            return body if isinstance(body, dict) else {}
        args = {**request.args.to_dict(), **request.form.to_dict()}
        for key in ("view", "blocks"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        return args

    def on_method(self, request: Request, method: str) -> Answer:
        args = self._arguments(request)
        call = self.state.record(Call(method, request.path, args))
        answer = self._answer(request, method, args)
        call.status = answer.status
        return answer

    def _fault(self, method: str) -> Answer | None:
        for name in ("rate_limit", "server_error"):
            with self.state.lock:
                spec = self.state.faults.active.get(name)
                if spec is None or spec.get("method") not in (None, method):
                    continue
            spec = self.state.take_fault(name)
            if spec is None:
                continue
            if name == "rate_limit":
                retry_after = str(spec.get("retry_after", 1))
                return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after})
            return Answer(int(spec.get("status", 500)), {"ok": False, "error": "internal_error"})
        return None

    def _answer(self, request: Request, method: str, args: dict[str, Any]) -> Answer:
        if method not in METHODS:
            return Answer(200, {"ok": False, "error": "unknown_method"})
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return Answer(200, {"ok": False, "error": "not_authed"})
        if token != self.state.bot_token:
            return Answer(200, {"ok": False, "error": "invalid_auth"})
        fault = self._fault(method)
        if fault is not None:
            return fault
        with self.state.lock:
            return getattr(self, "_" + method.replace(".", "_"))(args)

    def _auth_test(self, args: dict[str, Any]) -> Answer:
        return Answer(
            200,
            {
                "ok": True,
                "url": "https://hithonix-sandbox.slack.com/",
                "team": "Hithonix Sandbox",
                "user": "hithonix",
                "team_id": "T0SANDBOX",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
            },
        )

    def _view(self, args: dict[str, Any]) -> dict[str, Any] | None:
        view = args.get("view")
        return view if isinstance(view, dict) and view.get("type") in ("home", "modal") else None

    def _views_publish(self, args: dict[str, Any]) -> Answer:
        view = self._view(args)
        if not args.get("user_id") or view is None or view["type"] != "home":
            return Answer(200, {"ok": False, "error": "invalid_arguments"})
        stored = {**view, "id": f"V{next(self.state.ids):08d}"}
        self.state.homes[args["user_id"]] = stored
        return Answer(200, {"ok": True, "view": stored})

    def _views_open(self, args: dict[str, Any]) -> Answer:
        view = self._view(args)
        if not args.get("trigger_id"):
            return Answer(200, {"ok": False, "error": "invalid_trigger_id"})
        if view is None or view["type"] != "modal":
            return Answer(200, {"ok": False, "error": "invalid_arguments"})
        stored = {**view, "id": f"V{next(self.state.ids):08d}", "trigger_id": args["trigger_id"]}
        self.state.modals.append(stored)
        return Answer(200, {"ok": True, "view": stored})

    def _views_update(self, args: dict[str, Any]) -> Answer:
        view = self._view(args)
        target = next((m for m in self.state.modals if m["id"] == args.get("view_id")), None)
        if view is None or target is None:
            return Answer(200, {"ok": False, "error": "not_found"})
        target.update(view)
        return Answer(200, {"ok": True, "view": target})

    def _chat_postMessage(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel"):
            return Answer(200, {"ok": False, "error": "channel_not_found"})
        if not args.get("text") and not args.get("blocks"):
            return Answer(200, {"ok": False, "error": "no_text"})
        ts = f"{time.time():.6f}"
        message = {"channel": args["channel"], "text": args.get("text"), "ts": ts}
        self.state.messages.append(message)
        return Answer(200, {"ok": True, "channel": args["channel"], "ts": ts, "message": message})

    def _users_info(self, args: dict[str, Any]) -> Answer:
        user = args.get("user")
        if not user:
            return Answer(200, {"ok": False, "error": "user_not_found"})
        profile = self.state.users.get(user, {"real_name": user})
        return Answer(200, {"ok": True, "user": {"id": user, "deleted": False, **profile}})

    def on_control_home(self, request: Request, user: str) -> Answer:
        with self.state.lock:
            home = self.state.homes.get(user)
        return Answer(200, home) if home else Answer(404, {"error": "no home view published"})

    def on_control_messages(self, request: Request) -> Answer:
        with self.state.lock:
            return Answer(200, list(self.state.messages))

    def on_control_modals(self, request: Request) -> Answer:
        with self.state.lock:
            return Answer(200, list(self.state.modals))


class SlackSandbox(RecordingSandbox):
    name = "slack-sandbox"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, bot_token: str = BOT_TOKEN, verbose: bool = False
    ) -> None:
        self.sandbox_state = SlackSandboxState(bot_token)
        super().__init__(SlackSandboxApp(self.sandbox_state), host, port, verbose=verbose)

    @property
    def api_url(self) -> str:
        """What ``SLACK_API_URL`` is set to."""
        return f"{self.url}/api/"

    def home(self, user: str) -> dict[str, Any] | None:
        with self.sandbox_state.lock:
            return self.sandbox_state.homes.get(user)

    def messages(self) -> list[dict[str, Any]]:
        with self.sandbox_state.lock:
            return list(self.sandbox_state.messages)

    def modals(self) -> list[dict[str, Any]]:
        with self.sandbox_state.lock:
            return list(self.sandbox_state.modals)


@click.command(name="slack-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8767, show_default=True, help="0 = any free port")
@click.option("--verbose", is_flag=True, help="log each request to stderr")
def main(host: str, port: int, verbose: bool) -> None:
    """Local Slack Web API sandbox (HTTP on loopback): views, chat.postMessage, faults."""
    sandbox = SlackSandbox(host, port, verbose=verbose)
    serve_until_stopped(sandbox, f"SLACK_SANDBOX_READY {sandbox.api_url} bot token {BOT_TOKEN}")
