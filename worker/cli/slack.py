"""``slack``: the Slack app process (``make slack``), Socket Mode or HTTP mode."""

from __future__ import annotations

import contextlib
import sys

import click
from rich.console import Console

from worker.config import (
    ConfigError,
    ModelSettings,
    SlackSettings,
    authenticator_url,
    jwt_secret,
    worker_database_url,
)
from worker.observability import configure_logging, log

err = Console(stderr=True)


@click.command("slack")
def slack() -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode on SLACK_HOST:SLACK_PORT."""
    try:
        settings = SlackSettings.from_env()
        model = ModelSettings.from_env()
        secret = jwt_secret()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        sys.exit(2)
    configure_logging()
    from worker.slack.api import Identities, make_api, open_pool
    from worker.slack.app import HttpMode, build_app

    pool = open_pool(worker_database_url())
    app, _ = build_app(settings, Identities(pool), make_api(settings.pgrst_url, authenticator_url(), secret), model)
    log.info(
        "slack_app_starting",
        mode="socket" if settings.socket_mode else "http",
        api=settings.api_url,
        through="postgrest" if settings.pgrst_url else "direct",
        model=model.base_url if model.enabled else None,
    )
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(app, settings.app_token).start()
        return
    server = HttpMode(app, settings.host, settings.port)
    log.info("slack_http_listening", url=server.url)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
