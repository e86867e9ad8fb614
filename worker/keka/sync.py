"""Pushing punches from the keka_sync outbox to Keka's log ingestion.

One call of ``push_once`` reads a batch of messages (with a visibility
timeout), sends the events they name in one POST, and records the outcome in
the ledger's sync columns and the queue in one transaction. HTTP never runs
inside a database transaction.

Delivery is at least once: a worker killed after Keka answered but before the
outcome was recorded re-sends the batch when the messages become visible
again, and Keka (like the sandbox) stores identical punches once.

- ok: SUCCESS, messages archived.
- transient (5xx, 429, timeout): FAILED, attempt_count+1, messages hidden again
  for an exponential, jittered backoff (Retry-After when Keka sends it).
- permanent (other 4xx): the batch is split in halves until the rejected
  events are alone; those become PERMANENT_FAILURE, the others go through.
- read more than max_reads times: moved to keka_sync_dlq, PERMANENT_FAILURE.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row, namedtuple_row

from worker.config import KekaSettings
from worker.keka import queries
from worker.keka.client import KekaLogsClient, LogItem, PushResult
from worker.observability import (
    BATCH_LATENCY,
    DLQ_DEPTH,
    EVENTS_FAILED,
    EVENTS_PUSHED,
    QUEUE_DEPTH,
    log,
)


@dataclass
class PushStats:
    read: int = 0
    succeeded: int = 0
    failed: int = 0
    permanent: int = 0
    dead_lettered: int = 0
    already_done: int = 0
    requests: int = 0
    event_ids: list[int] = field(default_factory=list)

    def add(self, other: PushStats) -> None:
        for name in (
            "read",
            "succeeded",
            "failed",
            "permanent",
            "dead_lettered",
            "already_done",
            "requests",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.event_ids.extend(other.event_ids)


@dataclass(frozen=True)
class Pending:
    msg_id: int
    read_ct: int
    event_id: int
    item: LogItem


def backoff_seconds(read_ct: int, s: KekaSettings, retry_after: float | None) -> int:
    """Exponential backoff with jitter, at least Retry-After when Keka sent one."""
    base = min(s.backoff_cap_seconds, s.backoff_base_seconds * 2 ** max(read_ct - 1, 0))
    delay = random.uniform(base / 2, base)
    return max(1, round(max(delay, retry_after or 0)))


class Pusher:
    def __init__(self, conn: psycopg.Connection, client: KekaLogsClient, settings: KekaSettings) -> None:
        self.conn = conn
        self.client = client
        self.settings = settings

    def push_once(self) -> PushStats:
        stats = PushStats()
        with self.conn.cursor(row_factory=namedtuple_row) as cur:
            msgs = cur.execute(
                queries.READ_BATCH,
                {
                    "queue": queries.OUTBOX_QUEUE,
                    "vt": self.settings.visibility_timeout_seconds,
                    "qty": self.settings.batch_size,
                },
            ).fetchall()
        stats.read = len(msgs)
        if not msgs:
            return stats
        dead = [message.msg_id for message in msgs if message.read_ct > self.settings.max_reads]
        if dead:
            with self.conn.transaction():
                self.conn.execute(queries.DEAD_LETTER, {"msg_ids": dead, "max_reads": self.settings.max_reads})
            stats.dead_lettered = len(dead)
            EVENTS_FAILED.labels("dead_letter").inc(len(dead))
            log.warning("keka_dead_lettered", msg_ids=dead, max_reads=self.settings.max_reads)
        live = {message.msg_id: message for message in msgs if message.read_ct <= self.settings.max_reads}
        by_event = {int(message.message["event_id"]): message for message in live.values()}
        with self.conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(queries.EVENTS_FOR_PUSH, {"event_ids": list(by_event)}).fetchall()
        sendable: list[Pending] = []
        done_msgs: list[int] = []
        for row in rows:
            message = by_event.pop(row["id"])
            if row["sync_status"] != "PENDING" and row["sync_status"] != "FAILED":
                done_msgs.append(message.msg_id)  # already SUCCESS/PERMANENT/SKIPPED: a duplicate message
                continue
            if not row["attendance_number"]:
                self._record(
                    [message.msg_id],
                    [row["id"]],
                    "permanent",
                    "NO_ATTENDANCE_NUMBER: the employee has no Keka attendance number",
                )
                stats.permanent += 1
                continue
            item = LogItem(
                self.settings.device_identifier,
                row["attendance_number"],
                row["wall_clock_ist"],
                row["keka_status"],
            )
            sendable.append(Pending(message.msg_id, message.read_ct, row["id"], item))
        done_msgs.extend(message.msg_id for message in by_event.values())  # events that no longer exist to push
        if done_msgs:
            self.conn.execute(queries.ARCHIVE, {"queue": queries.OUTBOX_QUEUE, "msg_ids": done_msgs})
            stats.already_done += len(done_msgs)
        if sendable:
            stats.add(self._send(sendable))
        self._gauges()
        return stats

    def _send(self, batch: Sequence[Pending]) -> PushStats:
        stats = PushStats(event_ids=[p.event_id for p in batch])
        result = self.client.post_logs([p.item for p in batch])
        stats.requests = 1
        BATCH_LATENCY.observe(result.latency_ms / 1000)
        log.info(
            "keka_push",
            batch_size=len(batch),
            event_ids=[p.event_id for p in batch],
            kind=result.kind,
            http_status=result.http_status,
            latency_ms=round(result.latency_ms, 1),
            logs_accepted=result.logs_accepted,
            error=result.error,
        )
        if result.kind == "ok":
            self._record([p.msg_id for p in batch], [p.event_id for p in batch], "ok", None, result)
            stats.succeeded = len(batch)
            EVENTS_PUSHED.inc(len(batch))
        elif result.kind == "transient":
            hide = {p.msg_id: backoff_seconds(p.read_ct, self.settings, result.retry_after) for p in batch}
            self._record(list(hide), [p.event_id for p in batch], "transient", result.error, hide=hide)
            stats.failed = len(batch)
            EVENTS_FAILED.labels("transient").inc(len(batch))
        elif len(batch) > 1:
            half = len(batch) // 2
            stats = PushStats(requests=1)
            stats.add(self._send(batch[:half]))
            stats.add(self._send(batch[half:]))
        else:
            self._record([batch[0].msg_id], [batch[0].event_id], "permanent", result.error)
            stats.permanent = 1
            EVENTS_FAILED.labels("permanent").inc()
        return stats

    def _record(
        self,
        msg_ids: list[int],
        event_ids: list[int],
        kind: str,
        error: str | None,
        result: PushResult | None = None,
        hide: dict[int, int] | None = None,
    ) -> None:
        """Outcome in the sync columns and the queue, in one transaction."""
        with self.conn.transaction():
            if kind == "ok":
                ref = f"accepted {result.logs_accepted}/{result.logs_received}" if result else None
                self.conn.execute(queries.RECORD_SUCCESS, {"event_ids": event_ids, "keka_ref": ref})
            else:
                self.conn.execute(
                    queries.RECORD_FAILURE,
                    {
                        "event_ids": event_ids,
                        "permanent": kind == "permanent",
                        "error": (error or kind)[:1000],
                    },
                )
            if kind != "transient":
                self.conn.execute(queries.ARCHIVE, {"queue": queries.OUTBOX_QUEUE, "msg_ids": msg_ids})
            for msg_id, seconds in (hide or {}).items():
                self.conn.execute(queries.SET_VT, {"queue": queries.OUTBOX_QUEUE, "msg_id": msg_id, "seconds": seconds})

    def _gauges(self) -> None:
        row = self.conn.execute(queries.QUEUE_DEPTHS).fetchone()
        if row:
            QUEUE_DEPTH.set(row[0] or 0)
            DLQ_DEPTH.set(row[1] or 0)

    def drain(self, budget_seconds: float = 30.0) -> PushStats:
        """Push batches until the queue has nothing visible or the time budget is spent."""
        total = PushStats()
        deadline = time.monotonic() + budget_seconds
        while time.monotonic() < deadline:
            stats = self.push_once()
            total.add(stats)
            if stats.read == 0 or (stats.succeeded == 0 and stats.failed > 0):
                break  # empty, or Keka is failing: let backoff work
        return total
