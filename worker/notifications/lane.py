"""One drain of the notification outbox: read one message at a time (visibility timeout),
send it, archive it; a failure that may pass waits (``set_vt``: Slack's ``Retry-After``,
else exponential backoff), a 429 ends the drain (nothing else is read while Slack says
wait), and a message read more than ``max_attempts`` times, or undeliverable, moves to
``notifications_dlq`` with the last error.

Each message is sent once: it is archived right after Slack accepted it. The residual
risk is a crash (or a lost answer) between Slack's acceptance and the archive: that
message is sent again when its visibility timeout ends (Slack has no idempotency key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import ConnectionPool

from worker.config import NotificationSettings
from worker.notifications import queries
from worker.notifications.sinks import RetryLater, Sink, Undeliverable
from worker.observability import log


@dataclass
class DrainStats:
    sent: int = 0
    retried: int = 0
    dead_lettered: int = 0
    rate_limited: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "dead_lettered": self.dead_lettered,
            "rate_limited": self.rate_limited,
        }


def backoff_seconds(settings: NotificationSettings, attempt: int) -> int:
    return int(min(settings.backoff_cap_seconds, settings.backoff_base_seconds * 2 ** max(0, attempt - 1)))


def drain(pool: ConnectionPool, sink: Sink, settings: NotificationSettings) -> DrainStats:
    stats = DrainStats()
    with pool.connection() as conn:
        for _ in range(settings.batch_size):
            row = conn.execute(queries.READ_ONE, [settings.visibility_timeout_seconds]).fetchone()
            if row is None:
                break
            msg_id, read_ct, notice = row
            if read_ct > settings.max_attempts:
                _dead_letter(conn, msg_id, notice, "too many attempts", read_ct)
                stats.dead_lettered += 1
                continue
            recipient_row = conn.execute(queries.RECIPIENT, [notice.get("employee_id")]).fetchone()
            recipient = recipient_row[0] if recipient_row else None
            try:
                sink.send(recipient, notice)
            except RetryLater as exc:
                wait = exc.after_seconds if exc.after_seconds is not None else backoff_seconds(settings, read_ct)
                if read_ct >= settings.max_attempts:
                    _dead_letter(conn, msg_id, notice, str(exc), read_ct)
                    stats.dead_lettered += 1
                    continue
                conn.execute(queries.LATER, [msg_id, max(1, int(wait + 0.999))])
                stats.retried += 1
                log.warning("notification_retry", msg_id=msg_id, attempt=read_ct, reason=str(exc), wait_seconds=wait)
                if str(exc) == "ratelimited":
                    stats.rate_limited = True
                    break
                continue
            except Undeliverable as exc:
                _dead_letter(conn, msg_id, notice, str(exc), read_ct)
                stats.dead_lettered += 1
                continue
            conn.execute(queries.DONE, [msg_id])
            stats.sent += 1
    return stats


def _dead_letter(conn: Any, msg_id: int, notice: dict[str, Any], error: str, attempts: int) -> None:
    with conn.transaction():
        conn.execute(queries.DEAD_LETTER, [json.dumps({**notice, "error": error[:500], "attempts": attempts})])
        conn.execute(queries.DELETE, [msg_id])
    log.error("notification_dead_lettered", msg_id=msg_id, error=error, attempts=attempts, kind=notice.get("kind"))
