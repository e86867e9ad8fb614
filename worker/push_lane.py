"""The push lane: punches go to Keka as soon as they are committed.

The outbox's queue table notifies ``keka_sync`` at commit
(sql/triggers/160_outbox_notify.sql). A thread of the worker process LISTENs
on its own connection and drains the queue on every notice, on a pooled
connection; the periodic ``push_to_keka`` job (its own procrastinate queue and
worker lane) drains as the safety net for a notice missed while reconnecting.
One drain at a time per process: the lane waits for a running safety-net
drain, the safety net skips while the lane drains. Nothing else (imports,
reconcile, retention) ever runs in this thread, so a push never waits behind
another job.
"""

from __future__ import annotations

import threading

import psycopg
from psycopg_pool import ConnectionPool

from worker.config import KekaSettings
from worker.keka.client import KekaLogsClient
from worker.keka.sync import Pusher, PushStats
from worker.observability import log

CHANNEL = "keka_sync"
RECONNECT_SECONDS = 2.0


class PushLane:
    def __init__(self, db_url: str, pool: ConnectionPool, client: KekaLogsClient, settings: KekaSettings) -> None:
        self.db_url = db_url
        self.pool = pool
        self.client = client
        self.settings = settings
        self.budget_seconds = max(settings.push_interval_seconds * 4, 20)
        self._drain_lock = threading.Lock()

    def drain(self, *, wait: bool) -> PushStats | None:
        """Drain the outbox now; None when ``wait`` is false and a drain is already running."""
        if not self._drain_lock.acquire(blocking=wait):
            return None
        try:
            with self.pool.connection() as conn:
                stats = Pusher(conn, self.client, self.settings).drain(budget_seconds=self.budget_seconds)
        finally:
            self._drain_lock.release()
        if stats.read:
            log.debug("keka_push_run", **{k: v for k, v in vars(stats).items() if k != "event_ids"})
        return stats

    def run(self, stop: threading.Event) -> None:
        """LISTEN and drain until ``stop`` is set; reconnects after a lost connection."""
        while not stop.is_set():
            try:
                with psycopg.connect(self.db_url, autocommit=True) as conn:
                    conn.execute(f"listen {CHANNEL}")
                    self.drain(wait=True)  # what was committed while nobody listened
                    while not stop.is_set():
                        if any(True for _ in conn.notifies(timeout=1.0, stop_after=1)):
                            # notices of the same moment are one drain
                            list(conn.notifies(timeout=0.0))
                            self.drain(wait=True)
            except Exception as exc:  # the lane outlives a lost connection or a failed drain
                log.error("push_lane_error", error=str(exc), retry_in_seconds=RECONNECT_SECONDS)
                stop.wait(RECONNECT_SECONDS)
