"""Shared by the Keka tests: credentials and a fake clock the sandbox reads."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

INGESTION_KEY = "test-ingestion-key"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
API_KEY = "test-api-key"
TOKEN_TTL = 3600


class FakeClock:
    """Shared time: the sandbox reads it; tests (or a client's fake sleep) advance it."""

    def __init__(self) -> None:
        self.now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)
