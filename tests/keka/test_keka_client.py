"""Keka clients against the real sandbox server on 127.0.0.1; only time is faked."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from tests.keka_fixtures import API_KEY, CLIENT_ID, CLIENT_SECRET, INGESTION_KEY, TOKEN_TTL
from worker.devtools.keka_sandbox import seed_employees
from worker.keka.client import (
    InMemoryTokenStore,
    KekaAuthError,
    KekaError,
    KekaHrisClient,
    KekaLogsClient,
    KekaRateLimited,
    KekaUnavailable,
    LogItem,
    parse_retry_after,
)


@pytest.fixture
def sleeps(clock):
    """A fake sleep that records and moves the shared clock instead of waiting."""
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        clock.advance(seconds)

    fake_sleep.calls = recorded  # type: ignore[attr-defined]
    return fake_sleep


@pytest.fixture
def logs_client(sandbox):
    with KekaLogsClient(sandbox.url, INGESTION_KEY, timeout=0.5) as client:
        yield client


def make_hris(sandbox, clock, sleep, **kwargs):
    options = {
        "timeout": 0.5,
        "token_store": InMemoryTokenStore(),
        "sleep": sleep,
        "clock": clock.utc,
        **kwargs,
    }
    return KekaHrisClient(
        f"{sandbox.url}/api/v1",
        f"{sandbox.url}/connect/token",
        CLIENT_ID,
        options.pop("client_secret", CLIENT_SECRET),
        API_KEY,
        **options,
    )


@pytest.fixture
def hris(sandbox, clock, sleeps):
    with make_hris(sandbox, clock, sleeps) as client:
        yield client


DEVICE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def item(number="A0001", ts=datetime(2026, 11, 23, 9, 14, 54), status=0, device=DEVICE):
    return LogItem(device, number, ts, status)


# -- LogItem -----------------------------------------------------------------------------


def test_log_item_json_uses_keka_names_and_format():
    assert item(ts=datetime(2026, 11, 23, 9, 4, 5, 987654)).to_json() == {
        "DeviceIdentifier": DEVICE,
        "EmployeeAttendanceNumber": "A0001",
        "Timestamp": "2026-11-23T09:04:05",
        "Status": 0,
    }


def test_log_item_rejects_aware_timestamps_and_bad_status():
    ist = timezone(timedelta(hours=5, minutes=30))
    with pytest.raises(ValueError, match="naive"):
        item(ts=datetime(2026, 11, 23, 9, 0, tzinfo=ist))
    with pytest.raises(ValueError, match=r"[Ss]tatus"):
        item(status=2)


def test_parse_retry_after():
    now = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after(None) is None
    assert parse_retry_after("  ") is None
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Mon, 23 Nov 2026 09:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None


# -- KekaLogsClient ----------------------------------------------------------------------


def test_post_logs_ok_and_duplicate_resend(logs_client, sandbox):
    first = logs_client.post_logs([item(), item(status=1, ts=datetime(2026, 11, 23, 18, 0))])
    assert first.kind == "ok"
    assert first.ok
    assert (first.http_status, first.logs_received, first.logs_accepted) == (200, 2, 2)
    assert first.error is None
    assert first.latency_ms > 0

    # Keka is not known to de-duplicate: the sandbox accepts a re-send and counts its receipts
    again = logs_client.post_logs([item()])
    assert (again.kind, again.logs_received, again.logs_accepted) == ("ok", 1, 1)
    stored = {p["Status"]: p for p in sandbox.logs()}
    assert stored[0]["receipts"] == 2
    assert stored[0]["Timestamp"] == "2026-11-23T09:14:54"
    assert stored[1]["receipts"] == 1
    assert logs_client.requests_made == 2


def test_post_logs_wrong_key_rejects_the_whole_request(sandbox):
    with KekaLogsClient(sandbox.url, "wrong", timeout=0.5) as client:
        result = client.post_logs([item()])
    assert (result.kind, result.http_status) == ("rejected", 401)
    assert result.error == "invalid api key"
    assert sandbox.logs() == []


def test_post_logs_malformed_device_rejects_the_whole_request(logs_client, sandbox):
    result = logs_client.post_logs([item(device=DEVICE + " "), item("A0002", device=DEVICE + " ")])
    assert (result.kind, result.http_status) == ("rejected", 400)
    assert "System.Guid" in (result.error or "")
    assert sandbox.logs() == []


def test_post_logs_item_errors_point_at_items(logs_client, sandbox):
    result = logs_client.post_logs([item(), item(" ")])
    assert (result.kind, result.http_status) == ("items", 400)
    assert "EmployeeAttendanceNumber" in (result.error or "")


def test_post_logs_unknown_number_is_a_lower_count_not_an_error(logs_client, sandbox):
    sandbox.set_faults({"reject_attendance_numbers": ["A0002"]})
    result = logs_client.post_logs([item("A0001"), item("A0002")])
    assert (result.kind, result.http_status) == ("ok", 200)
    assert (result.logs_received, result.logs_accepted) == (2, 1)
    assert [p["EmployeeAttendanceNumber"] for p in sandbox.logs()] == ["A0001"]


def test_every_request_names_its_user_agent(sandbox, clock, sleeps):
    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.headers["User-Agent"])]}) as http:
        with KekaLogsClient(sandbox.url, INGESTION_KEY, timeout=0.5, http_client=http) as client:
            client.post_logs([item()])
        with make_hris(sandbox, clock, sleeps, http_client=http) as h:
            h.get_employee_page(1, 10)
    assert len(seen) == 3 and all(ua.startswith("hithonix-attendance-worker/") for ua in seen)


def test_post_logs_500_is_transient_then_recovers(logs_client, sandbox):
    sandbox.set_faults({"logs": {"status": 500, "count": 1, "retry_after": None}})
    failed = logs_client.post_logs([item()])
    assert (failed.kind, failed.http_status, failed.retry_after) == ("transient", 500, None)
    assert failed.error
    recovered = logs_client.post_logs([item()])
    assert (recovered.kind, recovered.logs_accepted) == ("ok", 1)
    assert sandbox.logs()[0]["receipts"] == 1


@pytest.mark.parametrize(("status", "retry_after"), [(429, 17), (503, 4), (503, None)])
def test_post_logs_retry_after_is_reported(logs_client, sandbox, status, retry_after):
    sandbox.set_faults({"logs": {"status": status, "count": 1, "retry_after": retry_after}})
    result = logs_client.post_logs([item()])
    assert (result.kind, result.http_status) == ("transient", status)
    assert result.retry_after == (None if retry_after is None else float(retry_after))


def test_post_logs_hang_past_timeout_is_transient(logs_client, sandbox):
    sandbox.set_faults({"logs_hang": {"seconds": 1.5, "count": 1}})
    started = time.monotonic()
    result = logs_client.post_logs([item()])
    assert time.monotonic() - started < 1.2
    assert (result.kind, result.http_status) == ("transient", None)
    assert "Timeout" in (result.error or "")
    assert result.maybe_received, "the request went out; only the answer is missing"
    assert logs_client.post_logs([item()]).kind == "ok"


def test_post_logs_connection_refused_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with KekaLogsClient(f"http://127.0.0.1:{port}", INGESTION_KEY, timeout=0.5) as client:
        result = client.post_logs([item()])
    assert (result.kind, result.http_status) == ("transient", None)
    assert "connection error" in (result.error or "")
    assert not result.maybe_received


def test_post_logs_rejects_caller_mistakes(logs_client):
    with pytest.raises(ValueError):
        logs_client.post_logs([])
    with pytest.raises(ValueError):
        logs_client.post_logs([item(f"A{i}") for i in range(101)])
    assert logs_client.requests_made == 0


# -- KekaHrisClient: paging --------------------------------------------------------------


def test_iter_employee_pages_follows_total_pages(hris, sandbox):
    sandbox.add_employees(seed_employees(7))
    pages = list(hris.iter_employee_pages(page_size=3))
    assert [p["pageNumber"] for p in pages] == [1, 2, 3]
    assert all(p["totalPages"] == 3 and p["totalRecords"] == 7 for p in pages)
    numbers = [e["employeeNumber"] for p in pages for e in p["data"]]
    assert numbers == [f"E{n:04d}" for n in range(1, 8)]
    assert hris.token_requests == 1
    assert hris.requests_made == 4  # one token + three pages
    assert sandbox.stats()["requests"]["GET /api/v1/hris/employees"] == 3


def test_iter_employees_with_filters_and_empty_result(hris, sandbox):
    sandbox.add_employees(seed_employees(10))
    relieved = [e["employeeNumber"] for e in hris.iter_employees(employment_status="Relieved")]
    assert relieved == ["E0005", "E0010"]
    picked = list(hris.iter_employees(page_size=1, employee_numbers=["E0003", "E0004"]))
    assert [e["employeeNumber"] for e in picked] == ["E0003", "E0004"]
    sandbox.reset()
    pages = list(hris.iter_employee_pages())
    assert len(pages) == 1
    assert pages[0]["data"] == []
    with pytest.raises(ValueError):
        list(hris.iter_employee_pages(page_size=201))


def test_get_employee_found_and_missing(hris, sandbox):
    (employee,) = sandbox.add_employees(seed_employees(1))
    assert hris.get_employee(employee["id"]) == employee
    assert hris.get_employee("00000000-0000-0000-0000-000000000000") is None


# -- KekaHrisClient: tokens --------------------------------------------------------------


def test_token_is_cached_and_reused(sandbox, clock, sleeps):
    sandbox.add_employees(seed_employees(2))
    store = InMemoryTokenStore()
    with make_hris(sandbox, clock, sleeps, token_store=store) as client:
        for _ in range(3):
            assert len(list(client.iter_employees())) == 2
        assert client.token_requests == 1
        assert store.saves == 1
    saved_token, expires_at = store.load()
    assert abs(expires_at - (clock.utc() + timedelta(seconds=TOKEN_TTL))) < timedelta(seconds=5)
    # A second process sharing the store does not ask for a token again.
    with make_hris(sandbox, clock, sleeps, token_store=store) as other:
        assert len(list(other.iter_employees())) == 2
        assert other.token_requests == 0
        assert other.get_token() == saved_token
    assert sandbox.stats()["tokens_issued"] == 1


def test_token_refreshed_before_expiry_margin(hris, sandbox, clock):
    first = hris.get_token()
    clock.advance(TOKEN_TTL - 6 * 60)
    assert hris.get_token() == first
    clock.advance(2 * 60)  # now within the 5-minute margin
    assert hris.get_token() != first
    assert hris.token_requests == 2


def test_expired_token_reauthenticates_once_and_succeeds(hris, sandbox):
    sandbox.add_employees(seed_employees(2))
    assert len(list(hris.iter_employees())) == 2
    sandbox.set_faults({"expire_tokens": True})
    assert len(list(hris.iter_employees())) == 2
    assert hris.token_requests == 2
    # token, page, 401 page, token, page
    assert hris.requests_made == 5
    assert sandbox.stats()["responses_by_status"]["401"] == 1


def test_second_401_raises_auth_error(hris, sandbox):
    sandbox.set_faults({"hris": {"status": 401, "count": 2, "retry_after": None}})
    with pytest.raises(KekaAuthError) as caught:
        list(hris.iter_employee_pages())
    assert caught.value.status_code == 401
    assert hris.token_requests == 2


def test_bad_credentials_raise_auth_error(sandbox, clock, sleeps):
    with make_hris(sandbox, clock, sleeps, client_secret="wrong") as client:
        with pytest.raises(KekaAuthError, match="invalid_client"):
            client.get_token()
        assert sleeps.calls == []


# -- KekaHrisClient: 429, 5xx, timeouts --------------------------------------------------


def test_rate_limit_honours_retry_after(hris, sandbox, sleeps):
    sandbox.add_employees(seed_employees(10))
    sandbox.set_faults({"rate_limit_per_minute": 2})
    pages = list(hris.iter_employee_pages(page_size=2))
    assert [p["pageNumber"] for p in pages] == [1, 2, 3, 4, 5]
    # 2 pages per window: pages 3 and 5 each meet one 429 with Retry-After: 60.
    assert sleeps.calls == [60.0, 60.0]
    assert hris.rate_limit_waits == 2
    assert sandbox.stats()["faults_injected"]["rate_limited"] == 2


def test_rate_limit_without_retry_after_waits_a_window(hris, sandbox, sleeps):
    sandbox.add_employees(seed_employees(3))
    sandbox.set_faults({"rate_limit_per_minute": 1, "omit_retry_after": True})
    pages = list(hris.iter_employee_pages(page_size=2))
    assert len(pages) == 2
    assert sleeps.calls == [60.0]


def test_injected_429_short_retry_after(hris, sandbox, sleeps):
    sandbox.set_faults({"hris": {"status": 429, "count": 2, "retry_after": 3}})
    assert hris.get_employee_page()["succeeded"] is True
    assert sleeps.calls == [3.0, 3.0]


def test_persistent_429_raises_rate_limited(hris, sandbox, sleeps):
    sandbox.set_faults({"hris": {"status": 429, "count": None, "retry_after": 2}})
    with pytest.raises(KekaRateLimited) as caught:
        hris.get_employee_page()
    assert caught.value.retry_after == 2.0
    assert sleeps.calls == [2.0] * 5
    assert sandbox.stats()["faults_injected"]["hris"] == 6


def test_5xx_retried_with_backoff_then_succeeds(hris, sandbox, sleeps):
    sandbox.set_faults({"hris": {"status": 500, "count": 2, "retry_after": None}})
    assert hris.get_employee_page()["succeeded"] is True
    assert len(sleeps.calls) == 2
    assert all(0 < s <= 8.0 for s in sleeps.calls)


def test_persistent_5xx_raises_unavailable(hris, sandbox, sleeps):
    sandbox.set_faults({"hris": {"status": 503, "count": None, "retry_after": None}})
    with pytest.raises(KekaUnavailable) as caught:
        hris.get_employee_page()
    assert isinstance(caught.value, KekaError)
    assert caught.value.status_code == 503
    assert len(sleeps.calls) == 3  # four attempts
    assert hris.requests_made == 5  # token + four attempts


def test_hang_past_timeout_is_retried(hris, sandbox, sleeps):
    sandbox.add_employees(seed_employees(1))
    hris.get_token()
    sandbox.set_faults({"hris_hang": {"seconds": 1.5, "count": 1}})
    started = time.monotonic()
    page = hris.get_employee_page()
    assert time.monotonic() - started < 1.2
    assert page["totalRecords"] == 1
    assert len(sleeps.calls) == 1


def test_unexpected_4xx_raises_keka_error(hris, sandbox):
    sandbox.set_faults({"hris": {"status": 403, "count": 1, "retry_after": None}})
    with pytest.raises(KekaError) as caught:
        hris.get_employee_page()
    assert caught.value.status_code == 403
    assert not isinstance(caught.value, KekaAuthError | KekaRateLimited | KekaUnavailable)
