"""The shared base of the development sandboxes (Keka, Graph, Slack, the model): a real
HTTP server on loopback (werkzeug) with its life cycle, the ``Answer`` a handler returns,
quiet request logging, the standalone serve loop; and for the newer ones thread-safe
state that records every call, fault switches and the ``/_sandbox/`` control API."""

from worker.devtools.sandbox.base import (
    Answer,
    Call,
    Faults,
    RecordingSandbox,
    SandboxApp,
    SandboxServer,
    SandboxState,
    serve_until_stopped,
)

__all__ = [
    "Answer",
    "Call",
    "Faults",
    "RecordingSandbox",
    "SandboxApp",
    "SandboxServer",
    "SandboxState",
    "serve_until_stopped",
]
