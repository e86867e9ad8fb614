"""Draining the calendar_sync outbox into Microsoft 365 calendars.

Approving leave puts ``{"action": "create", "leave_request_id", "employee_id"}`` on
pgmq queue ``calendar_sync`` in the approving transaction; cancelling approved
leave puts a ``delete``. One ``sync_once`` reads a batch with a visibility timeout
and handles the messages one by one (each gets a fresh lease before its Graph
call); HTTP never runs inside a database transaction, and each outcome is
recorded (``app.record_calendar_sync_v1``) together with the queue operation in
one transaction.

- create: the event (all-day, out of office, subject from the policy) is posted
  with the request's deterministic ``transactionId``, so a create repeated after a
  timeout or a killed worker returns the event Graph already made → SYNCED.
  Skipped when the request is no longer APPROVED (its cancel queued a delete) or
  is already SYNCED (a duplicate message).
- delete: the recorded event is deleted (404 = already gone) → DELETED. With no
  recorded event id a create may still have reached Graph before a crash, so the
  event is looked up again by its transactionId (Graph answers the create with
  the existing event, or makes one) and deleted.
- the delete's confirmation: a create the client abandoned (a timeout, a killed
  worker) can still complete in Graph *after* that delete, and then no live
  event shares its transactionId any more: an orphan. So every delete leaves a
  tombstone, a ``{"action": "delete", "confirm": true}`` message that becomes
  visible ``delete_confirm_seconds`` later (by then any abandoned create has
  finished or failed); it looks the event up by transactionId once more (the
  orphan, or a new event when there is none) and deletes it. One extra
  create+delete per cancelled leave buys "no event outlives its leave".
- transient (429, 5xx, timeouts, no token after the client's own retries):
  PENDING / DELETE_PENDING with the error, message hidden for an exponential,
  jittered backoff (at least Retry-After).
- permanent (400, 403, unknown mailbox): FAILED with Graph's error, message archived.
- read more than ``max_reads`` times (3): moved to ``calendar_sync_dlq``, FAILED.
- ``enabled`` false: nothing is read; messages wait, unread, in the queue.

Delivery is at least once; ``transactionId`` and 404-as-success make it exactly
one event per approved leave.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, fields
from typing import Any

import psycopg
from psycopg.rows import dict_row, namedtuple_row
from psycopg.types.json import Jsonb

from worker.config import GraphSettings
from worker.graph import queries
from worker.graph.client import (
    GraphAuthError,
    GraphCalendarClient,
    GraphPermanentError,
    GraphTransientError,
    LeaveEvent,
)
from worker.graph.metrics import (
    CALENDAR_DLQ_DEPTH,
    CALENDAR_FAILED,
    CALENDAR_LATENCY,
    CALENDAR_QUEUE_DEPTH,
    CALENDAR_SYNCED,
)
from worker.observability import log


@dataclass
class CalendarStats:
    read: int = 0
    created: int = 0
    deleted: int = 0
    skipped: int = 0
    transient: int = 0
    permanent: int = 0
    dead_lettered: int = 0

    def add(self, other: CalendarStats) -> None:
        for spec in fields(self):
            setattr(self, spec.name, getattr(self, spec.name) + getattr(other, spec.name))

    def as_dict(self) -> dict[str, int]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}


@dataclass(frozen=True, slots=True)
class Message:
    msg_id: int
    read_ct: int
    message: dict[str, Any]


def backoff_seconds(read_ct: int, settings: GraphSettings, retry_after: float | None) -> int:
    """Exponential backoff with jitter, at least Retry-After when Graph sent one."""
    base = min(settings.backoff_cap_seconds, settings.backoff_base_seconds * 2 ** max(read_ct - 1, 0))
    return max(1, round(max(random.uniform(base / 2, base), retry_after or 0)))


def leave_event(item: dict[str, Any], settings: GraphSettings) -> LeaveEvent:
    """The calendar event for one leave request (``app.calendar_sync_item_v1``'s row)."""
    notes = []
    if item["half_day_start"]:
        notes.append(f"half day on {item['start_date']:%d %b}")
    if item["half_day_end"] and (item["end_date"] != item["start_date"] or not item["half_day_start"]):
        notes.append(f"half day on {item['end_date']:%d %b}")
    subject = item["policy_name"] + (f" ({', '.join(notes)})" if notes else "")
    period = (
        f"on {item['start_date']:%d %b %Y}"
        if item["start_date"] == item["end_date"]
        else f"from {item['start_date']:%d %b %Y} to {item['end_date']:%d %b %Y}"
    )
    body = (
        f"{item['full_name']} is on {item['policy_name'].lower()} {period}"
        + (f" ({', '.join(notes)})" if notes else "")
        + f". Approved in Hithonix, leave request #{item['leave_request_id']}."
    )
    return LeaveEvent(
        subject=subject,
        body=body,
        first_day=item["start_date"],
        last_day=item["end_date"],
        time_zone=settings.time_zone,
        transaction_id=str(item["transaction_id"]),
    )


class CalendarSync:
    def __init__(self, conn: psycopg.Connection, client: GraphCalendarClient, settings: GraphSettings) -> None:
        self.conn = conn
        self.client = client
        self.settings = settings

    def sync_once(self) -> CalendarStats:
        """Read one batch and handle each message; nothing at all when sync is disabled."""
        stats = CalendarStats()
        if not self.settings.enabled:
            return stats
        with self.conn.cursor(row_factory=namedtuple_row) as cur:
            rows = cur.execute(
                queries.READ_BATCH,
                {"vt": self.settings.visibility_timeout_seconds, "qty": self.settings.batch_size},
            ).fetchall()
        stats.read = len(rows)
        for row in rows:
            outcome = self.handle(Message(row.msg_id, row.read_ct, row.message))
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        self._gauges()
        return stats

    def drain(self, budget_seconds: float = 30.0) -> CalendarStats:
        """Batches until nothing is visible, the time budget is spent, or Graph keeps failing."""
        total = CalendarStats()
        deadline = time.monotonic() + budget_seconds
        while time.monotonic() < deadline:
            stats = self.sync_once()
            total.add(stats)
            if stats.read == 0 or (stats.transient and not (stats.created or stats.deleted)):
                break
        return total

    # -- one message ---------------------------------------------------------------------

    def handle(self, message: Message) -> str:
        """Handle one message; returns the name of its outcome (a ``CalendarStats`` field)."""
        if message.read_ct > self.settings.max_reads:
            with self.conn.transaction():
                moved = self.conn.execute(
                    queries.DEAD_LETTER, {"msg_id": message.msg_id, "max_reads": self.settings.max_reads}
                ).fetchone()
            CALENDAR_FAILED.labels("dead_letter").inc()
            log.warning("calendar_dead_lettered", msg_id=message.msg_id, read_ct=message.read_ct, moved=moved)
            return "dead_lettered"
        action = message.message.get("action")
        request_id = message.message.get("leave_request_id")
        confirm = message.message.get("confirm", False)
        if (
            action not in ("create", "delete")
            or isinstance(request_id, bool)
            or not isinstance(request_id, int)
            or not isinstance(confirm, bool)
        ):
            log.error("calendar_message_malformed", msg_id=message.msg_id, message=message.message)
            self._archive(message)
            return "skipped"
        # a fresh lease: the Graph calls below may take a while, retries included
        self.conn.execute(queries.HOLD, {"msg_id": message.msg_id, "seconds": self.settings.visibility_timeout_seconds})
        with self.conn.cursor(row_factory=dict_row) as cur:
            item = cur.execute(queries.ITEM, {"leave_request_id": request_id}).fetchone()
        if item is None:
            log.warning("calendar_request_missing", msg_id=message.msg_id, leave_request_id=request_id)
            self._archive(message)
            return "skipped"
        started = time.monotonic()
        try:
            if action == "create":
                return self._create(message, item)
            return self._delete(message, item)
        except GraphPermanentError as exc:
            self._record(message, item, "FAILED", None, str(exc), archive=True)
            CALENDAR_FAILED.labels("permanent").inc()
            log.warning("calendar_sync_refused", action=action, leave_request_id=request_id, error=str(exc))
            return "permanent"
        except GraphTransientError as exc:
            hide = backoff_seconds(message.read_ct, self.settings, exc.retry_after)
            status = "PENDING" if action == "create" else "DELETE_PENDING"
            self._record(message, item, status, None, str(exc), hide=hide)
            CALENDAR_FAILED.labels("auth" if isinstance(exc, GraphAuthError) else "transient").inc()
            (log.error if isinstance(exc, GraphAuthError) else log.warning)(
                "calendar_sync_retry_later",
                action=action,
                leave_request_id=request_id,
                error=str(exc),
                read_ct=message.read_ct,
                hidden_seconds=hide,
            )
            return "transient"
        finally:
            CALENDAR_LATENCY.observe(time.monotonic() - started)

    def _create(self, message: Message, item: dict[str, Any]) -> str:
        if item["request_status"] != "APPROVED" or (
            item["calendar_sync_status"] == "SYNCED" and item["calendar_event_id"]
        ):
            self._archive(message)  # cancelled since (its delete is queued), or a duplicate message
            return "skipped"
        event_id = self.client.create_event(item["user_id"], leave_event(item, self.settings))
        self._record(message, item, "SYNCED", event_id, None, archive=True)
        CALENDAR_SYNCED.labels("create").inc()
        log.info("calendar_event_created", leave_request_id=item["leave_request_id"], event_id=event_id)
        return "created"

    def _delete(self, message: Message, item: dict[str, Any]) -> str:
        confirm = message.message.get("confirm") is True
        done = ("NOT_REQUIRED",) if confirm else ("DELETED", "NOT_REQUIRED")
        if item["calendar_sync_status"] in done or item["request_status"] == "APPROVED":
            self._archive(message)
            return "skipped"
        # the confirmation ignores the recorded id (deleted already): a late create made another event
        recorded = None if confirm else item["calendar_event_id"]
        event_id = recorded or self.client.create_event(item["user_id"], leave_event(item, self.settings))
        existed = self.client.delete_event(item["user_id"], event_id)
        self._record(message, item, "DELETED", event_id, None, archive=True, confirm_later=not confirm)
        CALENDAR_SYNCED.labels("delete").inc()
        log.info(
            "calendar_event_deleted",
            leave_request_id=item["leave_request_id"],
            event_id=event_id,
            existed=existed,
            confirmation=confirm,
        )
        return "deleted"

    # -- recording -----------------------------------------------------------------------

    def _archive(self, message: Message) -> None:
        self.conn.execute(queries.ARCHIVE, {"msg_id": message.msg_id})

    def _record(
        self,
        message: Message,
        item: dict[str, Any],
        status: str,
        event_id: str | None,
        error: str | None,
        *,
        archive: bool = False,
        hide: int | None = None,
        confirm_later: bool = False,
    ) -> None:
        """The outcome in the sync columns and the queue (and a delete's tombstone), in one transaction."""
        with self.conn.transaction():
            self.conn.execute(
                queries.RECORD,
                {
                    "leave_request_id": item["leave_request_id"],
                    "status": status,
                    "event_id": event_id,
                    "error": None if error is None else error[:2000],
                },
            )
            if archive:
                self._archive(message)
            if hide is not None:
                self.conn.execute(queries.HOLD, {"msg_id": message.msg_id, "seconds": hide})
            if confirm_later:
                tombstone = {
                    "action": "delete",
                    "leave_request_id": item["leave_request_id"],
                    "employee_id": str(item["employee_id"]),
                    "confirm": True,
                }
                self.conn.execute(
                    queries.SEND_LATER,
                    {"message": Jsonb(tombstone), "delay": self.settings.delete_confirm_seconds},
                )

    def _gauges(self) -> None:
        row = self.conn.execute(queries.QUEUE_DEPTHS).fetchone()
        if row:
            CALENDAR_QUEUE_DEPTH.set(row[0] or 0)
            CALENDAR_DLQ_DEPTH.set(row[1] or 0)
