"""The Slack and model sandboxes on the shared sandbox base: auth, the fault switches
(count down, then off; or until cleared), the control API, and the product's own
clients seeing what they would see from the real services."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from worker.config import ModelSettings
from worker.devtools.model_sandbox import API_KEY, ModelSandbox
from worker.devtools.slack_sandbox import BOT_TOKEN, SlackSandbox
from worker.slack.second_opinion import SecondOpinion


def test_slack_sandbox_checks_the_token_and_records_calls(slack_sandbox: SlackSandbox) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-wrong", base_url=slack_sandbox.api_url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"
    client = WebClient(token=BOT_TOKEN, base_url=slack_sandbox.api_url)
    assert client.chat_postMessage(channel="U1", text="hello")["ok"]
    assert slack_sandbox.messages() == [{"channel": "U1", "text": "hello", "ts": slack_sandbox.messages()[0]["ts"]}]
    calls = httpx.get(f"{slack_sandbox.url}/_sandbox/calls", timeout=5).json()
    assert [(c["method"], c["status"]) for c in calls] == [("auth.test", 200), ("chat.postMessage", 200)]


def test_slack_sandbox_fault_switches(slack_sandbox: SlackSandbox) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_sandbox.api_url)
    answer = httpx.post(
        f"{slack_sandbox.url}/_sandbox/faults", json={"rate_limit": {"count": 1, "retry_after": 3}}, timeout=5
    )
    assert answer.status_code == 200 and answer.json()["active"]["rate_limit"]["count"] == 1
    with pytest.raises(SlackApiError) as limited:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "3"
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"], "the switch counted down"

    slack_sandbox.set_faults({"server_error": {"count": None, "status": 503}})
    for _ in range(2):
        with pytest.raises(SlackApiError) as failed:
            client.chat_postMessage(channel="U1", text="x")
        assert failed.value.response.status_code == 503
    assert httpx.delete(f"{slack_sandbox.url}/_sandbox/faults", timeout=5).status_code == 204
    assert client.chat_postMessage(channel="U1", text="x")["ok"]
    assert slack_sandbox.faults()["fired"] == {"rate_limit": 1, "server_error": 2}


def test_model_sandbox_and_the_second_opinion(model_sandbox: ModelSandbox) -> None:
    def ask(plan: str, **settings: object) -> tuple[str, str]:
        opinion = SecondOpinion(
            ModelSettings(
                api_key=str(settings.get("key", API_KEY)), base_url=model_sandbox.base_url, timeout_seconds=0.5
            )
        ).ask(plan)
        return opinion.status, opinion.reason

    assert ask("Write the release notes and test the import")[0] == "PASSED"
    assert ask("ok go")[0] == "REJECTED"
    assert ask("Write the release notes", key="sk-wrong") == ("SKIPPED", "MODEL_HTTP_401")
    model_sandbox.set_faults({"hang": {"count": 1, "seconds": 3}})
    assert ask("Write the release notes")[1] == "MODEL_TIMEOUT: no answer within 0.5 s"
    model_sandbox.set_faults({"error": {"count": 1, "status": 500}})
    assert ask("Write the release notes") == ("SKIPPED", "MODEL_HTTP_500")
    model_sandbox.set_faults({"garbage": {"count": 1}})
    assert ask("Write the release notes")[1].startswith("MODEL_BAD_ANSWER")
    statuses = [c["status"] for c in model_sandbox.calls()]
    # the hung call (fourth) is still asleep in the sandbox when the client has given up
    assert statuses[:3] + statuses[4:] == [200, 200, 401, 500, 200] and len(statuses) == 6
