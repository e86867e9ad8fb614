"""Local Keka sandbox: a real HTTP server on loopback that behaves like Keka.

``config`` (credentials, limits, the worker settings that point here), ``state``
(what it remembers, the rules it applies, fault switches), ``server`` (routing,
answers, the threaded server, the command line).
"""

from worker.devtools.keka_sandbox.config import SandboxConfig, keka_settings
from worker.devtools.keka_sandbox.server import KekaSandbox, main
from worker.devtools.keka_sandbox.state import seed_employees

__all__ = ["KekaSandbox", "SandboxConfig", "keka_settings", "main", "seed_employees"]
