"""The Bolt app: handlers for the home tab, the punches, the Start Shift modal and the
manager's unlock and leave decisions; and how the process runs (Socket Mode or HTTP).

Every handler resolves the Slack user to an employee (``Identities``) and acts through
the API as them (``Api``): the app has no rule of its own. A refused action shows the
API's sentence on the home tab, or inline in the modal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from worker.config import ModelSettings, SlackSettings
from worker.observability import log
from worker.slack import views
from worker.slack.api import Api, Identities, Identity, IdentityError, refusal
from worker.slack.second_opinion import SecondOpinion

EVENTS_PATH = "/slack/events"
PUNCH_RPC = {
    "BREAK_START": "break_start",
    "BREAK_END": "break_end",
    "LUNCH_START": "lunch_start",
    "LUNCH_END": "lunch_end",
    "CLOCK_OUT": "clock_out",
}
MAX_LOCKED_SHOWN = 20


def web_client(settings: SlackSettings) -> WebClient:
    """The Web API client (``SLACK_API_URL``), retrying 429s after Slack's Retry-After."""
    client = WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=10)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


class SlackHome:
    """What the handlers do, apart from Bolt's plumbing."""

    def __init__(self, identities: Identities, api: Api, client: WebClient, opinion: SecondOpinion | None) -> None:
        self.identities = identities
        self.api = api
        self.client = client
        self.opinion = opinion

    # --- the home tab -------------------------------------------------------------------------

    def publish(self, slack_user_id: str, notice: str | None = None) -> None:
        try:
            identity = self.identities.resolve(slack_user_id)
        except IdentityError as exc:
            self.client.views_publish(user_id=slack_user_id, view=views.message_home(str(exc)))
            return
        self.publish_for(identity, notice)

    def publish_for(self, identity: Identity, notice: str | None = None) -> None:
        day = self.api.rpc("my_day", claims=identity.claims)
        if day.status != 200:
            notice, body = refusal(day), None
        else:
            body = day.body
        manager = self.manager_blocks(identity, body) if identity.is_manager else None
        view = views.home_view(identity.full_name, body, notice, manager)
        self.client.views_publish(user_id=identity.slack_user_id, view=view)

    def _rows(self, view: str, identity: Identity, **filters: Any) -> list[dict[str, Any]]:
        answer = self.api.get(view, claims=identity.claims, filters=filters)
        return answer.body if answer.status == 200 and isinstance(answer.body, list) else []

    def manager_blocks(self, identity: Identity, day: dict[str, Any] | None) -> list[dict[str, Any]]:
        today = (day or {}).get("business_date_ist") or dt.date.today().isoformat()
        people = {row["id"]: row for row in self._rows("employees", identity)}
        reports = [
            row
            for row in people.values()
            if row.get("manager_employee_id") == identity.employee_id and row.get("employment_status") == "ACTIVE"
        ]
        days = {row["employee_id"]: row for row in self._rows("daily_status", identity, business_date_ist=today)}
        board = [
            {"name": r["full_name"], "status": days.get(r["id"], {}).get("current_status", "OFF_DUTY")}
            for r in sorted(reports, key=lambda r: r["full_name"])
        ]
        locked = [
            {
                "employee_id": row["employee_id"],
                "business_date_ist": row["business_date_ist"],
                "name": people.get(row["employee_id"], {}).get("full_name", row["employee_id"]),
                "reason_text": row["lock_reason"].lower().replace("_", " "),
            }
            for row in sorted(
                self._rows("daily_status", identity, is_locked=True),
                key=lambda r: r["business_date_ist"],
                reverse=True,
            )
            if row["employee_id"] != identity.employee_id
        ][:MAX_LOCKED_SHOWN]
        leave = [
            {**row, "name": people.get(row["employee_id"], {}).get("full_name", row["employee_id"])}
            for row in self._rows("leave_requests", identity, status="PENDING")
            if row["employee_id"] != identity.employee_id
        ]
        return views.manager_blocks(board, locked, leave)

    # --- punches ------------------------------------------------------------------------------

    def punch(self, slack_user_id: str, event_type: str, trigger_id: str, action_ts: str) -> None:
        try:
            identity = self.identities.resolve(slack_user_id)
        except IdentityError as exc:
            self.client.views_publish(user_id=slack_user_id, view=views.message_home(str(exc)))
            return
        if event_type == "CLOCK_IN":
            self.client.views_open(trigger_id=trigger_id, view=views.start_shift_modal())
            return
        rpc = PUNCH_RPC.get(event_type)
        if rpc is None:
            self.publish_for(identity, "That is not a punch this app knows.")
            return
        answer = self.api.rpc(rpc, {"source": "slack", "idempotency_key": f"slack:{action_ts}"}, claims=identity.claims)
        self.publish_for(identity, None if answer.status == 200 else refusal(answer))

    def start_shift(self, slack_user_id: str, view_id: str, plan: str) -> dict[str, str] | None:
        """Validate, ask the model, clock in. Returns inline errors for the modal, or None (done)."""
        try:
            identity = self.identities.resolve(slack_user_id)
        except IdentityError as exc:
            return {views.PLAN_BLOCK: str(exc)}
        check = self.api.rpc("validate_shift_plan", {"plan": plan}, claims=identity.claims)
        if check.status != 200:
            return {views.PLAN_BLOCK: refusal(check)}
        if not check.body.get("valid"):
            return {views.PLAN_BLOCK: str(check.body.get("reason") or "This is not a plan.")}
        body: dict[str, Any] = {"plan": plan, "source": "slack", "idempotency_key": f"slack:{view_id}"}
        if self.opinion is not None:
            opinion = self.opinion.ask(plan)
            if opinion.status == "REJECTED":
                return {views.PLAN_BLOCK: f"The plan checker says: {opinion.reason}"}
            body["second_opinion"] = opinion.payload()
        answer = self.api.rpc("clock_in", body, claims=identity.claims)
        if answer.status != 200:
            return {views.PLAN_BLOCK: refusal(answer)}
        log.info("slack_clock_in", employee_id=identity.employee_id, gatekeeper=body.get("second_opinion"))
        return None

    # --- manager decisions --------------------------------------------------------------------

    def open_reason(self, trigger_id: str, what: dict[str, Any]) -> None:
        titles = {
            "unlock_day": ("Unlock day", "Why unlock this day? (kept in the audit log)"),
            "reject_leave": ("Reject leave", "Why reject this request?"),
        }
        title, prompt = titles[what["do"]]
        self.client.views_open(trigger_id=trigger_id, view=views.reason_modal(title, prompt, what))

    def decide(self, slack_user_id: str, what: dict[str, Any], reason: str) -> dict[str, str] | None:
        """Unlock a day or decide a leave request with a reason; inline errors or None."""
        try:
            identity = self.identities.resolve(slack_user_id)
        except IdentityError as exc:
            return {views.REASON_BLOCK: str(exc)}
        if what.get("do") == "unlock_day":
            name = "unlock_day"
            body: dict[str, Any] = {
                "employee_id": what.get("employee_id"),
                "business_date": what.get("business_date"),
                "reason": reason,
            }
        elif what.get("do") in ("reject_leave", "approve_leave"):
            name = str(what["do"])
            body = {"leave_request_id": what.get("leave_request_id"), "reason": reason}
        else:
            return {views.REASON_BLOCK: "This form is out of date; open the home tab again."}
        answer = self.api.rpc(name, body, claims=identity.claims)
        if answer.status != 200:
            return {views.REASON_BLOCK: refusal(answer)}
        self.publish_for(identity)
        return None


def build_app(
    settings: SlackSettings, identities: Identities, api: Api, model: ModelSettings | None = None
) -> tuple[App, SlackHome]:
    """The Bolt app with every listener registered (nothing runs yet)."""
    client = web_client(settings)
    opinion = SecondOpinion(model) if model is not None and model.enabled else None
    home = SlackHome(identities, api, client, opinion)
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        request_verification_enabled=not settings.socket_mode,
        # the listener's answer (inline errors) is the HTTP response: run it before responding
        process_before_response=True,
    )

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            home.publish(event["user"])

    @app.action(re.compile(r"^punch:"))
    def on_punch(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        home.punch(body["user"]["id"], action["value"], body["trigger_id"], action["action_ts"])

    @app.action("unlock")
    def on_unlock(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        employee_id, _, business_date = action["value"].partition("|")
        home.open_reason(
            body["trigger_id"], {"do": "unlock_day", "employee_id": employee_id, "business_date": business_date}
        )

    @app.action("leave_approve")
    def on_leave_approve(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        errors = home.decide(
            body["user"]["id"], {"do": "approve_leave", "leave_request_id": int(action["value"])}, "Approved in Slack"
        )
        if errors:
            home.publish(body["user"]["id"], next(iter(errors.values())))

    @app.action("leave_reject")
    def on_leave_reject(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        home.open_reason(body["trigger_id"], {"do": "reject_leave", "leave_request_id": int(action["value"])})

    @app.view(views.START_SHIFT_CALLBACK)
    def on_start_shift(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        plan = view["state"]["values"][views.PLAN_BLOCK][views.PLAN_INPUT].get("value") or ""
        errors = home.start_shift(body["user"]["id"], view["id"], plan)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        home.publish(body["user"]["id"])

    @app.view(views.REASON_CALLBACK)
    def on_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = view["state"]["values"][views.REASON_BLOCK][views.REASON_INPUT].get("value") or ""
        try:
            what = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            what = {}
        errors = home.decide(body["user"]["id"], what, reason)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    return app, home


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class HttpMode:
    """HTTP mode: Slack's requests on ``host:port`` + EVENTS_PATH, each signature checked by Bolt."""

    def __init__(self, app: App, host: str, port: int) -> None:
        handler = SlackRequestHandler(app)

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO") != EVENTS_PATH:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
            return handler(environ, start_response)

        self.server = make_server(host, port, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{EVENTS_PATH}"

    def start(self) -> HttpMode:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.5)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(5)
