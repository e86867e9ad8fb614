"""The product's Graph client (msal token, httpx calls, tenacity retries) against the
Graph sandbox: token caching and renewal, Retry-After, giving up to the queue, and
the errors a caller has to tell apart."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from worker.devtools.graph_sandbox import GraphSandbox
from worker.graph.client import (
    GraphAuthError,
    GraphCalendarClient,
    GraphPermanentError,
    GraphTransientError,
    LeaveEvent,
)

USER = "meera@example.com"
EVENT = LeaveEvent("Sick leave", "Meera is on sick leave.", dt.date(2026, 12, 7), dt.date(2026, 12, 8), "UTC", "tx-9")


def test_the_token_is_cached_across_calls(graph: GraphSandbox) -> None:
    with GraphCalendarClient(graph.graph_settings()) as client:
        event_id = client.create_event(USER, EVENT)
        assert client.get_event(USER, event_id) is not None
        assert client.delete_event(USER, event_id) is True
        assert client.delete_event(USER, event_id) is False, "404: already gone"
        assert client.get_event(USER, event_id) is None
    assert graph.stats()["tokens_issued"] == 1


def test_the_event_is_all_day_until_the_midnight_after_the_last_day(graph: GraphSandbox) -> None:
    with GraphCalendarClient(graph.graph_settings()) as client:
        client.create_event(USER, EVENT)
    [event] = graph.events()
    assert (event["start"]["dateTime"], event["end"]["dateTime"]) == ("2026-12-07T00:00:00", "2026-12-09T00:00:00")


def test_retry_after_is_honoured(graph: GraphSandbox) -> None:
    waits: list[float] = []
    graph.set_faults({"graph": {"status": 429, "count": 2, "retry_after": 3}})
    with GraphCalendarClient(graph.graph_settings(retry_max_wait_seconds=5), sleep=waits.append) as client:
        client.create_event(USER, EVENT)
    assert len(waits) == 2 and min(waits) >= 3
    assert len(graph.events()) == 1


def test_a_longer_retry_after_than_a_call_may_wait_is_left_to_the_queue(graph: GraphSandbox) -> None:
    waits: list[float] = []
    graph.set_faults({"graph": {"status": 429, "count": None, "retry_after": 120}})
    with (
        GraphCalendarClient(graph.graph_settings(retry_max_wait_seconds=20), sleep=waits.append) as client,
        pytest.raises(GraphTransientError) as raised,
    ):
        client.create_event(USER, EVENT)
    assert raised.value.retry_after == 120 and raised.value.status_code == 429
    assert waits == [] and graph.stats()["requests"]["POST /v1.0/users/{id}/events"] == 1


def test_5xx_gives_up_after_the_configured_attempts(graph: GraphSandbox) -> None:
    waits: list[float] = []
    graph.set_faults({"graph": {"status": 502, "count": None}})
    with (
        GraphCalendarClient(graph.graph_settings(retry_attempts=3), sleep=waits.append) as client,
        pytest.raises(GraphTransientError, match="BadGateway"),
    ):
        client.create_event(USER, EVENT)
    assert len(waits) == 2 and graph.stats()["requests"]["POST /v1.0/users/{id}/events"] == 3


def test_a_token_endpoint_outage_is_transient_and_passes(graph: GraphSandbox) -> None:
    graph.set_faults({"token": {"status": 503, "count": 1, "retry_after": 0}})
    with GraphCalendarClient(graph.graph_settings()) as client:
        with pytest.raises(GraphTransientError) as raised:
            client.token()
        assert not isinstance(raised.value, GraphAuthError)
        assert client.token()


@pytest.mark.parametrize(
    ("overrides", "aadsts"),
    [
        ({"client_secret": "rotated-away"}, "AADSTS7000215"),
        ({"scope": "https://graph.microsoft.com/User.Read"}, "AADSTS1002012"),
    ],
)
def test_refused_credentials_are_an_auth_error(graph: GraphSandbox, overrides: dict[str, str], aadsts: str) -> None:
    with GraphCalendarClient(graph.graph_settings(**overrides)) as client, pytest.raises(GraphAuthError, match=aadsts):
        client.create_event(USER, EVENT)
    assert graph.events() == []


def test_an_unknown_tenant_is_an_auth_error(graph: GraphSandbox) -> None:
    with (
        GraphCalendarClient(graph.graph_settings(tenant_id="contoso")) as client,
        pytest.raises(GraphAuthError, match="authority"),
    ):
        client.token()


def test_without_trusting_the_sandbox_ca_nothing_is_sent(graph: GraphSandbox) -> None:
    with (
        GraphCalendarClient(dataclasses.replace(graph.graph_settings(), ca_bundle=None)) as client,
        pytest.raises(GraphTransientError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.token()
    assert graph.stats()["tokens_issued"] == 0


def test_a_refused_event_is_permanent(graph: GraphSandbox) -> None:
    graph.set_faults({"graph": {"status": 403, "count": 1}})
    with GraphCalendarClient(graph.graph_settings()) as client, pytest.raises(GraphPermanentError) as raised:
        client.create_event(USER, EVENT)
    assert raised.value.status_code == 403
