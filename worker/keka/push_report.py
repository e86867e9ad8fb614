"""What ``hithonix push`` prints and returns: a summary of one drain of the outbox.

The counts come from ``worker.keka.sync.PushStats``; the table lists every
count (zeros included, so the layout never changes) with a one-line meaning,
and the exit code says whether anything needs attention (the convention of
``hithonix status``: 0 all well, 3 needs attention).
"""

from __future__ import annotations

from dataclasses import fields

from rich.table import Table

from worker.keka.sync import PushStats

# count → what it means to an operator; also the table's order
MEANINGS = {
    "read": "outbox messages read",
    "succeeded": "punches Keka accepted",
    "already_done": "already delivered earlier (message dropped)",
    "voided": "voided before delivery (not sent)",
    "held": "held back: employee not yet known to Keka",
    "failed": "failed, scheduled again with backoff",
    "permanent": "permanently failed (Keka refused them)",
    "unconfirmed": "sent, not confirmed: retried later",
    "struck": "strikes recorded against single punches",
    "dead_lettered": "moved to keka_sync_dlq",
    "requests": "HTTP requests to Keka",
    "probes": "circuit probes",
    "circuit_open": "batches skipped: the circuit is open",
}
ATTENTION = ("failed", "permanent", "unconfirmed", "held", "dead_lettered", "circuit_open")
EXIT_OK, EXIT_ATTENTION = 0, 3


def push_summary(stats: PushStats) -> dict[str, int]:
    """Every count of the drain, by name (event ids left out)."""
    return {spec.name: getattr(stats, spec.name) for spec in fields(stats) if spec.name != "event_ids"}


def push_exit_code(stats: PushStats) -> int:
    return EXIT_ATTENTION if any(getattr(stats, name) for name in ATTENTION) else EXIT_OK


def push_table(stats: PushStats) -> Table:
    summary = push_summary(stats)
    verdict = "needs attention" if push_exit_code(stats) else "all delivered"
    table = Table(title=f"Keka push: {summary['succeeded']} of {summary['read']} delivered — {verdict}")
    table.add_column("count", justify="left")
    table.add_column("value", justify="right")
    table.add_column("meaning", justify="left")
    for name in [*MEANINGS, *(n for n in summary if n not in MEANINGS)]:
        value = summary[name]
        style = "red" if name in ATTENTION and value else ""
        table.add_row(name, f"[{style}]{value}[/{style}]" if style else str(value), MEANINGS.get(name, ""))
    return table
