"""The notification lane's procrastinate job: a periodic drain on its own queue (``notify``),
run by its own worker in ``worker.tasks.run_lanes`` so notices never wait behind a Keka job."""

from __future__ import annotations

import procrastinate
from psycopg_pool import ConnectionPool

from worker.config import NotificationSettings, SlackSettings
from worker.notifications.lane import drain
from worker.notifications.sinks import LogSink, Sink, SlackSink

QUEUE = "notify"


def make_sink() -> Sink:
    """Slack DMs when SLACK_BOT_TOKEN is set, else the log (other features' notices still drain)."""
    token = SlackSettings.bot_token_from_env()
    return SlackSink(token, SlackSettings.api_url_from_env()) if token else LogSink()


def register(app: procrastinate.App, pool: ConnectionPool, sink: Sink | None = None) -> None:
    settings = NotificationSettings.from_env()
    chosen = sink or make_sink()

    @app.periodic(cron=f"* * * * * */{settings.interval_seconds}", periodic_id="notify")
    @app.task(queue=QUEUE, queueing_lock="notify", name="notify")
    def notify(timestamp: int) -> dict[str, object]:
        return {"sink": chosen.name, **drain(pool, chosen, settings).as_dict()}
