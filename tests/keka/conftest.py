"""Fixtures of the Keka tests: the sandbox on a fake clock, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.keka_fixtures import API_KEY, CLIENT_ID, CLIENT_SECRET, INGESTION_KEY, TOKEN_TTL, FakeClock
from worker.devtools.keka_sandbox import KekaSandbox


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(clock: FakeClock) -> Iterator[KekaSandbox]:
    with KekaSandbox(
        "127.0.0.1",
        0,
        ingestion_key=INGESTION_KEY,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_key=API_KEY,
        token_ttl_seconds=TOKEN_TTL,
        rate_limit_per_minute=50,
        max_batch_size=100,
        clock=clock,
    ) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _fresh(sandbox: KekaSandbox) -> None:
    sandbox.reset()
