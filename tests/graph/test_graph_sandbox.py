"""The Graph sandbox itself, over real HTTPS: the identity platform's discovery and
client-credentials token (with its AADSTS errors), calendar events with Graph's
all-day rules and transactionId de-duplication, the fault switches, and the
control API."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from worker.devtools.graph_sandbox import GraphSandbox
from worker.devtools.graph_sandbox.config import GRAPH_SCOPE

USER = "asha@example.com"


@pytest.fixture
def http(graph: GraphSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=graph.url, verify=trusting(graph), timeout=10) as client:
        yield client


def trusting(graph: GraphSandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=graph.ca_bundle)


def token_form(graph: GraphSandbox, **overrides: str) -> dict[str, str]:
    return {
        "client_id": graph.config.client_id,
        "client_secret": graph.config.client_secret,
        "scope": GRAPH_SCOPE,
        "grant_type": "client_credentials",
        **overrides,
    }


def bearer(graph: GraphSandbox, http: httpx.Client) -> dict[str, str]:
    answer = http.post(f"/{graph.config.tenant_id}/oauth2/v2.0/token", data=token_form(graph))
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def all_day(transaction_id: str | None = "tx-1", **overrides: Any) -> dict[str, Any]:
    return {
        "subject": "Annual leave",
        "start": {"dateTime": "2026-12-01T00:00:00", "timeZone": "India Standard Time"},
        "end": {"dateTime": "2026-12-03T00:00:00", "timeZone": "India Standard Time"},
        "isAllDay": True,
        "showAs": "oof",
        "transactionId": transaction_id,
        **overrides,
    }


def test_it_speaks_tls_only_to_clients_that_trust_its_ca(graph: GraphSandbox) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{graph.url}/_sandbox/stats", verify=True, timeout=5)
    assert httpx.get(f"{graph.url}/_sandbox/ca", verify=trusting(graph), timeout=5).text.startswith(
        "-----BEGIN CERTIFICATE-----"
    )


def test_discovery_names_the_token_endpoint(graph: GraphSandbox, http: httpx.Client) -> None:
    tenant = graph.config.tenant_id
    doc = http.get(f"/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{graph.url}/{tenant}/oauth2/v2.0/token"
    unknown = http.get("/not-a-tenant/v2.0/.well-known/openid-configuration")
    assert unknown.status_code == 400 and unknown.json()["error_description"].startswith("AADSTS90002")


@pytest.mark.parametrize(
    ("overrides", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"client_id": "someone-else"}, 400, "unauthorized_client", 700016),
        ({"scope": "https://graph.microsoft.com/Calendars.ReadWrite"}, 400, "invalid_scope", 1002012),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
    ],
)
def test_token_endpoint_refuses_like_entra_id(
    graph: GraphSandbox, http: httpx.Client, overrides: dict[str, str], status: int, error: str, code: int
) -> None:
    answer = http.post(f"/{graph.config.tenant_id}/oauth2/v2.0/token", data=token_form(graph, **overrides))
    assert answer.status_code == status
    body = answer.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert graph.stats()["tokens_issued"] == 0


def test_events_need_a_valid_token(graph: GraphSandbox, http: httpx.Client) -> None:
    path = f"/v1.0/users/{USER}/events"
    assert http.post(path, json=all_day()).json()["error"]["code"] == "InvalidAuthenticationToken"
    wrong = http.post(path, json=all_day(), headers={"Authorization": "Bearer forged"})
    assert wrong.status_code == 401 and "invalid_token" in wrong.headers["WWW-Authenticate"]
    auth = bearer(graph, http)
    assert http.post(path, json=all_day(), headers=auth).status_code == 201
    graph.set_faults({"expire_tokens": True})
    assert http.get(path, headers=auth).status_code == 401, "a revoked token is refused from then on"
    assert graph.stats()["live_events"] == 1


def test_create_get_delete_and_transaction_id_de_duplication(graph: GraphSandbox, http: httpx.Client) -> None:
    auth = bearer(graph, http)
    path = f"/v1.0/users/{USER}/events"
    first = http.post(path, json=all_day("tx-a"), headers=auth)
    again = http.post(path, json=all_day("tx-a"), headers=auth)
    other_user = http.post("/v1.0/users/ravi@example.com/events", json=all_day("tx-a"), headers=auth)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"], "the same transactionId returns the existing event"
    assert other_user.json()["id"] != first.json()["id"], "de-duplication is per mailbox"
    assert graph.stats()["creates_deduplicated"] == 1
    event_id = first.json()["id"]
    assert http.get(f"{path}/{event_id}", headers=auth).json()["showAs"] == "oof"
    assert [e["id"] for e in http.get(path, headers=auth).json()["value"]] == [event_id]
    assert http.delete(f"{path}/{event_id}", headers=auth).status_code == 204
    gone = http.delete(f"{path}/{event_id}", headers=auth)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ErrorItemNotFound"
    assert http.get(f"{path}/{event_id}", headers=auth).status_code == 404
    assert [e["id"] for e in graph.deleted_events()] == [event_id]


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": {"dateTime": "2026-12-01T09:00:00", "timeZone": "India Standard Time"}},
        {"end": {"dateTime": "2026-12-03T00:00:00", "timeZone": "UTC"}},
        {"end": {"dateTime": "2026-12-01T00:00:00", "timeZone": "India Standard Time"}},
        {"showAs": "away"},
        {"subject": "x" * 256},
        {"start": {"dateTime": "tomorrow", "timeZone": "India Standard Time"}},
    ],
)
def test_invalid_events_are_refused_as_graph_does(
    graph: GraphSandbox, http: httpx.Client, overrides: dict[str, Any]
) -> None:
    answer = http.post(f"/v1.0/users/{USER}/events", json=all_day(**overrides), headers=bearer(graph, http))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "ErrorInvalidRequest"
    assert graph.events() == []


def test_fault_switches(graph: GraphSandbox, http: httpx.Client) -> None:
    auth = bearer(graph, http)
    path = f"/v1.0/users/{USER}/events"
    graph.set_faults({"graph": {"status": 429, "count": 1, "retry_after": 7, "method": "POST"}})
    assert http.get(path, headers=auth).status_code == 200, "the fault is for POST only"
    throttled = http.post(path, json=all_day(), headers=auth)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert http.post(path, json=all_day(), headers=auth).status_code == 201, "count 1: once"
    graph.set_faults({"missing_users": [USER.upper()]})
    assert http.get(path, headers=auth).json()["error"]["code"] == "ErrorInvalidUser"
    graph.set_faults({"missing_users": None, "token": {"status": 503, "count": 1, "retry_after": 0}})
    failed = http.post(f"/{graph.config.tenant_id}/oauth2/v2.0/token", data=token_form(graph))
    assert failed.status_code == 503 and failed.json()["error"] == "temporarily_unavailable"
    assert graph.faults()["token"] is None, "consumed"
    with pytest.raises(ValueError, match="unknown fault keys"):
        graph.set_faults({"explode": True})
    answer = http.post("/_sandbox/faults", json={"graph": {"status": 200}})
    assert answer.status_code == 400 and "400-599" in answer.json()["error"]


def test_a_hang_answers_after_the_pause_and_still_stores(graph: GraphSandbox, http: httpx.Client) -> None:
    auth = bearer(graph, http)
    graph.set_faults({"graph_hang": {"seconds": 1.5, "count": 1}})
    with pytest.raises(httpx.ReadTimeout):
        http.post(f"/v1.0/users/{USER}/events", json=all_day("tx-h"), headers=auth, timeout=0.5)
    deadline = time.monotonic() + 5
    while not graph.events() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(graph.events()) == 1, "the hung create was stored after the pause"


def test_reset_forgets_everything(graph: GraphSandbox, http: httpx.Client) -> None:
    auth = bearer(graph, http)
    http.post(f"/v1.0/users/{USER}/events", json=all_day(), headers=auth)
    assert http.post("/_sandbox/reset").json() == {"reset": True}
    assert graph.events() == [] and graph.stats()["tokens_issued"] == 0
    assert http.get(f"/v1.0/users/{USER}/events", headers=auth).status_code == 401


def test_the_command_announces_url_and_ca_and_stops_on_sigterm() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SANDBOX_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker", "graph-sandbox", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout
        ready, url, ca_bundle = proc.stdout.readline().split()
        assert ready == "GRAPH_SANDBOX_READY" and url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=ca_bundle)
        assert httpx.get(f"{url}/_sandbox/stats", verify=context, timeout=5).json()["live_events"] == 0
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
    assert not os.path.exists(ca_bundle), "the throwaway CA is removed on exit"
