"""Local Microsoft Graph sandbox: a real HTTPS server on loopback that behaves like
Entra ID's token endpoint and Graph's calendar events API.

``config`` (tenant, app registration, the worker settings that point here),
``state`` (tokens, mailboxes, events, transactionId de-duplication, fault
switches), ``tls`` (a throwaway CA: msal accepts only https authorities),
``server`` (routing, answers, the threaded server, the command line).
"""

from worker.devtools.graph_sandbox.config import GraphSandboxConfig, graph_settings
from worker.devtools.graph_sandbox.server import GraphSandbox, main

__all__ = ["GraphSandbox", "GraphSandboxConfig", "graph_settings", "main"]
