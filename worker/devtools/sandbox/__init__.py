"""The shared base of the development sandboxes: a real HTTP server on loopback
(werkzeug), thread-safe state that records every call, fault switches, and the
``/_sandbox/`` control API. The Slack and model sandboxes are built on it."""

from worker.devtools.sandbox.base import (
    Answer,
    Call,
    Faults,
    SandboxApp,
    SandboxServer,
    SandboxState,
    serve_until_stopped,
)

__all__ = ["Answer", "Call", "Faults", "SandboxApp", "SandboxServer", "SandboxState", "serve_until_stopped"]
