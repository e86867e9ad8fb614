"""Pushing punches from the keka_sync outbox to Keka's log ingestion.

One call of ``push_once`` reads a batch of messages (with a visibility
timeout), sends the events they name in one POST, and records the outcome in
the ledger's sync columns and the queue in one transaction. HTTP never runs
inside a database transaction.

Before sending: an event voided while waiting is never sent (SKIPPED,
``VOIDED_BEFORE_SEND``); an event whose attendance number the last employee
import does not know is held back (FAILED, ``HELD_BACK: …``, looked at again
after ``backoff_cap_seconds``).

Keka answers with counts, not per-item results (docs/keka.md):

- ok, every punch accepted: SUCCESS, messages archived.
- ok, fewer accepted than sent: Keka does not say which, so none is SUCCESS and
  none is re-sent automatically (that could duplicate the accepted ones): all
  become PERMANENT_FAILURE ``UNCONFIRMED: …`` for HR to check in Keka.
- rejected (a whole-request refusal: key, device identifier, URL): the circuit
  breaker opens (kind REJECTED), events stay FAILED and retriable, and only a
  one-punch probe goes out every ``rejected_probe_interval_seconds`` — at once
  when the worker runs with a changed configuration.
- items (errors that name punch fields): split in halves until the refused
  punch stands alone → PERMANENT_FAILURE ``REFUSED_BY_KEKA: …``.
- transient (5xx, 429, timeout): if Keka accepted a request moments ago, the
  batch is split to find a punch that fails on its own (a strike against it;
  ``keka_sync_max_attempts`` strikes → keka_sync_dlq); if both halves fail, or
  Keka was not known healthy, it is an outage: the circuit opens (kind OUTAGE)
  and a one-punch probe goes out every ``probe_interval_seconds`` (at least
  Retry-After), so recovery starts seconds after Keka is back and no read
  during the outage counts against any punch.

Delivery is at least once: a request whose answer was lost (read timeout,
dropped connection), or a worker killed between Keka's answer and the
database commit, is sent again. Keka is not known to de-duplicate (README,
"What we rely on"), so those are the ways a punch can reach Keka twice; the
first is marked (keka_ref ``MAYBE_SENT`` until it succeeds, then "possibly
twice in Keka").
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import psycopg
from psycopg.rows import dict_row, namedtuple_row

from worker.config import KekaSettings
from worker.keka import queries
from worker.keka.client import KekaLogsClient, LogItem, PushResult
from worker.observability import (
    BATCH_LATENCY,
    CIRCUIT_OPEN,
    DLQ_DEPTH,
    EVENTS_FAILED,
    EVENTS_PUSHED,
    QUEUE_DEPTH,
    log,
)

# How recently Keka must have accepted a request for a failure to be blamed on
# the punches in it rather than on Keka (at least this many seconds).
_HEALTHY_WINDOW_MIN = 10.0


@dataclass
class PushStats:
    read: int = 0
    succeeded: int = 0
    failed: int = 0
    permanent: int = 0
    unconfirmed: int = 0
    held: int = 0
    voided: int = 0
    struck: int = 0
    dead_lettered: int = 0
    already_done: int = 0
    requests: int = 0
    probes: int = 0
    circuit_open: int = 0
    event_ids: list[int] = field(default_factory=list)

    def add(self, other: PushStats) -> None:
        for spec in fields(self):
            if spec.name != "event_ids":
                setattr(self, spec.name, getattr(self, spec.name) + getattr(other, spec.name))
        self.event_ids.extend(other.event_ids)


@dataclass(frozen=True)
class Pending:
    msg_id: int
    event_id: int
    item: LogItem
    strikes: int


def backoff_seconds(strikes: int, s: KekaSettings, retry_after: float | None) -> int:
    """Exponential in the strikes against one punch, at least Retry-After."""
    base = min(s.backoff_cap_seconds, s.backoff_base_seconds * 2 ** max(strikes - 1, 0))
    return max(1, round(max(base, retry_after or 0)))


class Pusher:
    def __init__(self, conn: psycopg.Connection, client: KekaLogsClient, settings: KekaSettings) -> None:
        self.conn = conn
        self.client = client
        self.settings = settings
        self._ok_at: float | None = None  # monotonic time of Keka's last accepted request

    # -- one drain step ------------------------------------------------------------------

    def push_once(self) -> PushStats:
        stats = PushStats()
        circuit = self._circuit()
        probing = circuit["state"] == "OPEN"
        if probing and not circuit["probe_due"]:
            stats.circuit_open = 1
            self._gauges(circuit)
            return stats
        with self.conn.cursor(row_factory=namedtuple_row) as cur:
            msgs = cur.execute(
                queries.READ_BATCH,
                {
                    "queue": queries.OUTBOX_QUEUE,
                    "vt": self.settings.visibility_timeout_seconds,
                    "qty": 1 if probing else self.settings.batch_size,
                },
            ).fetchall()
        stats.read = len(msgs)
        if msgs:
            sendable = self._prepare(msgs, stats)
            if sendable:
                if probing:
                    stats.probes = 1
                    log.info("keka_probe", event_id=sendable[0].event_id, circuit_kind=circuit["kind"])
                self._deliver(sendable, probing, stats)
        circuit = self._circuit()
        stats.circuit_open = int(circuit["state"] == "OPEN")
        self._gauges(circuit)
        return stats

    def _circuit(self) -> dict[str, Any]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(queries.CIRCUIT, {"fingerprint": self.settings.push_fingerprint}).fetchone()
        assert row is not None, "app.keka_sync_circuit has its row (migration 0025)"
        age = row["seconds_since_success"]
        if age is not None:
            seen = time.monotonic() - age
            self._ok_at = seen if self._ok_at is None else max(self._ok_at, seen)
        return row

    def _prepare(self, msgs: Sequence[Any], stats: PushStats) -> list[Pending]:
        """What to send; settles duplicates, voided and held-back events on the way."""
        by_event = {int(m.message["event_id"]): m for m in msgs}
        with self.conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(queries.EVENTS_FOR_PUSH, {"event_ids": list(by_event)}).fetchall()
        sendable: list[Pending] = []
        done: list[int] = []
        voided: list[Any] = []
        held: list[Any] = []
        for row in rows:
            message = by_event.pop(row["id"])
            if row["sync_status"] not in ("PENDING", "FAILED"):
                done.append(message.msg_id)  # already SUCCESS/PERMANENT/SKIPPED: a duplicate message
            elif row["voided"]:
                voided.append((message, row))
            elif not row["number_known"]:
                held.append((message, row))
            else:
                item = LogItem(
                    self.settings.device_identifier, row["attendance_number"], row["wall_clock_ist"], row["keka_status"]
                )
                sendable.append(Pending(message.msg_id, row["id"], item, int(message.message.get("strikes") or 0)))
        done.extend(m.msg_id for m in by_event.values())  # events that no longer exist to push
        with self.conn.transaction():
            if voided:
                self.conn.execute(
                    queries.RECORD_SKIPPED,
                    {
                        "event_ids": [row["id"] for _, row in voided],
                        "error": "VOIDED_BEFORE_SEND: voided while waiting to be sent; never sent to Keka",
                    },
                )
                done.extend(m.msg_id for m, _ in voided)
            for message, row in held:
                number = row["attendance_number"]
                self.conn.execute(
                    queries.RECORD_HELD,
                    {
                        "event_ids": [row["id"]],
                        "error": (
                            f"HELD_BACK: attendance number {number!r} is unknown to the last employee import"
                            if number
                            else "HELD_BACK: the employee has no attendance number"
                        )
                        + "; sent once an import knows it",
                    },
                )
                self._hide([message.msg_id], self.settings.backoff_cap_seconds)
            if done:
                self.conn.execute(queries.ARCHIVE, {"queue": queries.OUTBOX_QUEUE, "msg_ids": done})
        stats.voided += len(voided)
        stats.held += len(held)
        stats.already_done += len(done) - len(voided)
        if held:
            log.warning("keka_held_back", event_ids=[row["id"] for _, row in held])
        return sendable

    # -- sending and outcomes ----------------------------------------------------------

    def _post(self, batch: Sequence[Pending], stats: PushStats) -> PushResult:
        result = self.client.post_logs([p.item for p in batch])
        stats.requests += 1
        BATCH_LATENCY.observe(result.latency_ms / 1000)
        log.info(
            "keka_push",
            batch_size=len(batch),
            kind=result.kind,
            http_status=result.http_status,
            latency_ms=round(result.latency_ms, 1),
            logs_received=result.logs_received,
            logs_accepted=result.logs_accepted,
            error=result.error,
        )
        if result.kind == "ok":
            self._ok_at = time.monotonic()
        return result

    def _recently_ok(self) -> bool:
        window = max(_HEALTHY_WINDOW_MIN, 2 * self.settings.probe_interval_seconds)
        return self._ok_at is not None and time.monotonic() - self._ok_at <= window

    def _deliver(self, batch: Sequence[Pending], probing: bool, stats: PushStats) -> None:
        stats.event_ids.extend(p.event_id for p in batch)
        result = self._post(batch, stats)
        if result.kind != "transient":
            self._settle(batch, result, stats)
        elif probing or not self._recently_ok():
            self._outage(batch, result, stats, probe=probing)
        elif len(batch) == 1:
            self._strike(batch[0], result, stats)  # alone, moments after Keka accepted another request
        else:
            self._isolate(batch, stats)

    def _isolate(self, batch: Sequence[Pending], stats: PushStats) -> None:
        """A batch failed although Keka accepted a request moments ago: send its halves.
        Both failing is an outage; one failing alone narrows down to the punch to blame."""
        half = len(batch) // 2
        left, right = batch[:half], batch[half:]
        left_result = self._post(left, stats)
        if left_result.kind != "transient":
            self._settle(left, left_result, stats)
        if left_result.kind == "rejected":  # the circuit is open: the right half waits for the probe
            with self.conn.transaction():
                self._hide([p.msg_id for p in right], 0)
            return
        right_result = self._post(right, stats)
        if right_result.kind != "transient":
            self._settle(right, right_result, stats)
        if left_result.kind == "transient" and right_result.kind == "transient":
            self._outage([*left, *right], right_result, stats, probe=False)
            return
        for part, result in ((left, left_result), (right, right_result)):
            if result.kind != "transient":
                continue
            if len(part) == 1:
                self._strike(part[0], result, stats)
            else:
                self._isolate(part, stats)

    def _settle(self, batch: Sequence[Pending], result: PushResult, stats: PushStats) -> None:
        """Every outcome but transient."""
        msg_ids, event_ids = [p.msg_id for p in batch], [p.event_id for p in batch]
        if result.kind == "ok":
            accepted, received = result.logs_accepted or 0, result.logs_received or 0
            with self.conn.transaction():
                if received == len(batch) and accepted >= len(batch):
                    self.conn.execute(
                        queries.RECORD_SUCCESS, {"event_ids": event_ids, "keka_ref": f"accepted {accepted}/{received}"}
                    )
                    stats.succeeded += len(batch)
                    EVENTS_PUSHED.inc(len(batch))
                else:
                    error = (
                        f"UNCONFIRMED: Keka accepted {accepted} of {len(batch)} punches sent in one request "
                        f"(logsReceived {received}) and does not say which; check this punch in Keka "
                        "(retry_sync re-sends it, a duplicate if Keka has it)"
                    )
                    self._fail(event_ids, error, permanent=True)
                    stats.unconfirmed += len(batch)
                    EVENTS_FAILED.labels("unconfirmed").inc(len(batch))
                    log.warning("keka_unconfirmed", event_ids=event_ids, accepted=accepted, sent=len(batch))
                self.conn.execute(queries.ARCHIVE, {"queue": queries.OUTBOX_QUEUE, "msg_ids": msg_ids})
                open_for = self.conn.execute(queries.CIRCUIT_SUCCESS).fetchone()
            if open_for and open_for[0] is not None:
                log.warning("keka_circuit_closed", open_for_seconds=open_for[0].total_seconds())
        elif result.kind == "rejected":
            reason = f"HTTP {result.http_status}: {result.error}"
            with self.conn.transaction():
                self._fail(event_ids, f"KEKA_REJECTED_REQUEST: {reason} (circuit open; events are kept)")
                opened = self._open("REJECTED", reason, self.settings.rejected_probe_interval_seconds)
                self._hide(msg_ids, 0)
            stats.failed += len(batch)
            EVENTS_FAILED.labels("rejected").inc(len(batch))
            if opened:
                log.error(
                    "keka_circuit_open",
                    kind="REJECTED",
                    reason=reason,
                    action="Keka refused the whole request: check KEKA_INGESTION_KEY, KEKA_DEVICE_IDENTIFIER"
                    " and KEKA_INGESTION_BASE_URL; pushing resumes by itself once a probe is accepted",
                )
        elif len(batch) > 1:  # items: find the refused punch
            half = len(batch) // 2
            for part in (batch[:half], batch[half:]):
                part_result = self._post(part, stats)
                if part_result.kind == "transient":
                    self._outage(part, part_result, stats, probe=False)
                else:
                    self._settle(part, part_result, stats)
        else:
            with self.conn.transaction():
                self._fail(event_ids, f"REFUSED_BY_KEKA: HTTP {result.http_status}: {result.error}", permanent=True)
                self.conn.execute(queries.ARCHIVE, {"queue": queries.OUTBOX_QUEUE, "msg_ids": msg_ids})
            stats.permanent += 1
            EVENTS_FAILED.labels("refused").inc()

    def _outage(self, batch: Sequence[Pending], result: PushResult, stats: PushStats, *, probe: bool) -> None:
        """Keka did not answer: open (or keep open) the circuit; no strike for anyone."""
        wait = max(self.settings.probe_interval_seconds, result.retry_after or 0)
        reason = f"HTTP {result.http_status}: {result.error}" if result.http_status else str(result.error)
        with self.conn.transaction():
            self._fail([p.event_id for p in batch], f"KEKA_UNAVAILABLE: {reason}")
            if result.maybe_received:
                self.conn.execute(queries.RECORD_MAYBE_SENT, {"event_ids": [p.event_id for p in batch]})
            opened = self._open("OUTAGE", reason, wait)
            # visible again at the next probe; a failed probe's punch a little later,
            # so the next probe tries another one (a punch that fails alone is found)
            self._hide([p.msg_id for p in batch], math.ceil(wait * 2) if probe else wait)
        stats.failed += len(batch)
        EVENTS_FAILED.labels("transient").inc(len(batch))
        if opened:
            log.error("keka_circuit_open", kind="OUTAGE", reason=reason, probe_every_seconds=wait)

    def _strike(self, pending: Pending, result: PushResult, stats: PushStats) -> None:
        delay = backoff_seconds(pending.strikes + 1, self.settings, result.retry_after)
        error = f"HTTP {result.http_status}: {result.error}" if result.http_status else str(result.error)
        with self.conn.transaction():
            if result.maybe_received:
                self.conn.execute(queries.RECORD_MAYBE_SENT, {"event_ids": [pending.event_id]})
            row = self.conn.execute(
                queries.STRIKE, {"msg_id": pending.msg_id, "error": error[:1000], "delay": delay}
            ).fetchone()
        outcome = row[0] if row else {}
        stats.failed += 1
        stats.struck += 1
        if outcome.get("dead_lettered"):
            stats.dead_lettered += 1
            EVENTS_FAILED.labels("dead_letter").inc()
            log.error("keka_dead_lettered", event_id=pending.event_id, strikes=outcome.get("strikes"), error=error)
        else:
            EVENTS_FAILED.labels("strike").inc()
            log.warning("keka_strike", event_id=pending.event_id, strikes=outcome.get("strikes"), error=error)

    # -- database helpers ----------------------------------------------------------------

    def _fail(self, event_ids: list[int], error: str, *, permanent: bool = False) -> None:
        self.conn.execute(
            queries.RECORD_FAILURE, {"event_ids": event_ids, "permanent": permanent, "error": error[:1000]}
        )

    def _open(self, kind: str, reason: str, probe_in: float) -> bool:
        row = self.conn.execute(
            queries.CIRCUIT_OPEN,
            {
                "kind": kind,
                "reason": reason[:1000],
                "probe_in": probe_in,
                "fingerprint": self.settings.push_fingerprint,
            },
        ).fetchone()
        return bool(row and row[0])

    def _hide(self, msg_ids: list[int], seconds: float) -> None:
        for msg_id in msg_ids:
            self.conn.execute(
                queries.SET_VT, {"queue": queries.OUTBOX_QUEUE, "msg_id": msg_id, "seconds": max(0, round(seconds))}
            )

    def _gauges(self, circuit: dict[str, Any]) -> None:
        row = self.conn.execute(queries.QUEUE_DEPTHS).fetchone()
        if row:
            QUEUE_DEPTH.set(row[0] or 0)
            DLQ_DEPTH.set(row[1] or 0)
        for kind in ("OUTAGE", "REJECTED"):
            CIRCUIT_OPEN.labels(kind).set(int(circuit["state"] == "OPEN" and circuit["kind"] == kind))

    def drain(self, budget_seconds: float = 30.0) -> PushStats:
        """Push batches until nothing is visible, the circuit is open, or the budget is spent."""
        total = PushStats()
        deadline = time.monotonic() + budget_seconds
        while time.monotonic() < deadline:
            stats = self.push_once()
            total.add(stats)
            if stats.read == 0 or stats.circuit_open:
                break
        return total
