"""The demo's Slack part: Vikram starts and ends a day from Slack's home tab, and the
day's locks reach people as DMs.

Real parts throughout: the Bolt app in HTTP mode on loopback, driven with signed
Slack payloads (``slack_sandbox.events``); its Web API calls go to the Slack
sandbox, the gatekeeper's second opinion to the model sandbox; every action runs
as Vikram through the request envelope. The notification lane's drain then sends
the locked-day notices the day produced as DMs to the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from rich.console import Console
from rich.table import Table

from worker.config import ModelSettings, NotificationSettings, SlackSettings
from worker.db.request import DirectApi
from worker.db.urls import derive_url
from worker.devtools.model_sandbox import API_KEY, ModelSandbox
from worker.devtools.slack_sandbox import BOT_TOKEN, SIGNING_SECRET, SlackSandbox
from worker.devtools.slack_sandbox.events import SlackPoster, buttons, text_of
from worker.notifications.lane import drain
from worker.notifications.sinks import SlackSink
from worker.slack import views
from worker.slack.api import Identities
from worker.slack.app import HttpMode, build_app

SLACK_IDS = {"vikram": "U0VIKRAM", "asha": "U0ASHA", "ravi": "U0RAVI", "meera": "U0MEERA", "dev": "U0DEV"}
PLAN = "Run payroll checks and update leave policy"


def play_slack(url: str, ids: dict[str, str], say: Callable[[str], None]) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        for key, slack_id in SLACK_IDS.items():
            conn.execute("update app.employees set slack_user_id = %s where id = %s", [slack_id, ids[key]])
    user = SLACK_IDS["vikram"]
    steps: list[tuple[str, str, str]] = []
    worker_url = derive_url(url, user="hithonix_worker")
    with (
        SlackSandbox() as slack,
        ModelSandbox() as model,
        ConnectionPool(worker_url, min_size=1, max_size=2, kwargs={"autocommit": True}) as pool,
    ):
        settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.api_url)
        model_settings = ModelSettings(api_key=API_KEY, base_url=model.base_url)
        app, _ = build_app(settings, Identities(pool), DirectApi(derive_url(url, user="authenticator")), model_settings)
        server = HttpMode(app, "127.0.0.1", 0).start()
        say(f"Slack app in HTTP mode on {server.url}; Slack sandbox {slack.api_url}; model sandbox {model.base_url}")
        try:
            poster = SlackPoster(server.url, SIGNING_SECRET)

            def home(step: str, note: str = "") -> None:
                view = slack.home(user)
                first = text_of(view).splitlines()
                status = next((line for line in first if line.startswith("*Today")), "")
                steps.append(
                    (
                        step,
                        ", ".join(views.ACTION_LABELS[b] for b in buttons(view)) or "—",
                        note or status.replace("*", ""),
                    )
                )

            poster.home_opened(user)
            home("opens the Hithonix home tab")
            poster.click(user, "punch:CLOCK_IN", "CLOCK_IN")
            mash = poster.submit(user, views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: "asdf jkl;"}})
            steps.append(("Start Shift, plan 'asdf jkl;'", "(modal)", mash.json()["errors"][views.PLAN_BLOCK]))
            poster.submit(user, views.START_SHIFT_CALLBACK, {views.PLAN_BLOCK: {views.PLAN_INPUT: PLAN}})
            home(f"Start Shift, plan '{PLAN}'")
            for label, event in (("Break", "BREAK_START"), ("End Break", "BREAK_END"), ("End Shift", "CLOCK_OUT")):
                poster.click(user, f"punch:{event}", event)
                home(label)
        finally:
            server.stop()
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "select payload from app.attendance_events where employee_id = %s and source = 'slack'"
                " and event_type = 'CLOCK_IN'",
                [ids["vikram"]],
            ).fetchone()
        gatekeeper = row[0] if row else {}
        stats = drain(pool, SlackSink(BOT_TOKEN, slack.api_url), NotificationSettings(batch_size=100))
        dms = slack.messages()
    return {"steps": steps, "gatekeeper": gatekeeper, "dms": dms, "sent": stats.sent}


def show_slack(result: dict[str, Any], console: Console) -> None:
    console.rule("Vikram's day in Slack (Slack sandbox, the real Bolt app)")
    table = Table("Vikram does", "home tab buttons after it", "the app says", title=None)
    for step, buttons_after, note in result["steps"]:
        table.add_row(step, buttons_after, note)
    console.print(table)
    payload = result["gatekeeper"]
    console.print(
        f"CLOCK_IN payload: gatekeeper_status {payload.get('gatekeeper_status')}, second opinion "
        f"{(payload.get('second_opinion') or {}).get('status')} ({(payload.get('second_opinion') or {}).get('reason')})"
    )
    console.print(f"Locked-day notices sent as Slack DMs: {result['sent']}")
    for dm in result["dms"]:
        console.print(f"  → {dm['channel']}: {dm['text']}")
