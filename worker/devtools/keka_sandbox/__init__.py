"""Local Keka sandbox: a real HTTP server on loopback that behaves like Keka."""

from worker.devtools.keka_sandbox.server import KekaSandbox, SandboxConfig, main, seed_employees

__all__ = ["KekaSandbox", "SandboxConfig", "main", "seed_employees"]
