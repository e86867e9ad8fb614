"""The Slack app in HTTP mode, running for real against the Slack and model sandboxes
and a fresh database; the tests are Slack, posting signed payloads to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from psycopg_pool import ConnectionPool

from worker.config import ModelSettings, SlackSettings, jwt_secret
from worker.db.urls import derive_url
from worker.devtools.model_sandbox import API_KEY, ModelSandbox
from worker.devtools.pgrest_http import PostgrestHttp
from worker.devtools.slack_sandbox import BOT_TOKEN, SIGNING_SECRET, SlackSandbox
from worker.devtools.slack_sandbox.events import SlackPoster
from worker.slack.api import Identities, make_api
from worker.slack.app import HttpMode, SlackHome, build_app

MODEL_TIMEOUT_SECONDS = 1.0


@pytest.fixture(scope="module")
def slack_sandbox() -> Iterator[SlackSandbox]:
    with SlackSandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def model_sandbox() -> Iterator[ModelSandbox]:
    with ModelSandbox() as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _fresh_sandboxes(slack_sandbox: SlackSandbox, model_sandbox: ModelSandbox) -> None:
    slack_sandbox.reset()
    model_sandbox.reset()


@dataclass
class RunningApp:
    slack: SlackPoster
    home: SlackHome
    url: str
    postgrest: PostgrestHttp | None = None


@pytest.fixture
def slack_app(
    request: pytest.FixtureRequest, db_url: str, slack_sandbox: SlackSandbox, model_sandbox: ModelSandbox
) -> Iterator[RunningApp]:
    """The app acting through the direct envelope, or (param "postgrest") through PostgREST's HTTP API."""
    settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_sandbox.api_url)
    model = ModelSettings(api_key=API_KEY, base_url=model_sandbox.base_url, timeout_seconds=MODEL_TIMEOUT_SECONDS)
    authenticator = derive_url(db_url, user="authenticator")
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(
            ConnectionPool(
                derive_url(db_url, user="hithonix_worker"), min_size=1, max_size=2, kwargs={"autocommit": True}
            )
        )
        postgrest = None
        if getattr(request, "param", "direct") == "postgrest":
            postgrest = stack.enter_context(PostgrestHttp(authenticator, jwt_secret()))
        api = make_api(postgrest.url if postgrest else None, authenticator, jwt_secret())
        app, home = build_app(settings, Identities(pool), api, model)
        server = HttpMode(app, "127.0.0.1", 0).start()
        stack.callback(server.stop)
        yield RunningApp(SlackPoster(server.url, SIGNING_SECRET), home, server.url, postgrest)
