"""The Graph sandbox's tenant and app registration, and the worker settings that point at it.

The one place the sandbox's default credentials are written: tests, the demo and
``make run`` get them from here (``graph_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from worker.config import GraphSettings, graph_sandbox_environment

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True, slots=True)
class GraphSandboxConfig:
    """Tenant, app registration and token lifetime; every field has a GRAPH_SANDBOX_* fallback."""

    tenant_id: str = "00000000-0000-4000-8000-0000000000aa"
    client_id: str = "00000000-0000-4000-8000-0000000000bb"
    client_secret: str = "sandbox-graph-secret"
    token_ttl_seconds: int = 3599

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> GraphSandboxConfig:
        """Defaults, then GRAPH_SANDBOX_<FIELD> variables, then non-None overrides."""
        env = graph_sandbox_environment() if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = env.get(f"GRAPH_SANDBOX_{spec.name.upper()}")
            value: Any = spec.default if raw is None else type(spec.default)(raw)
            if overrides.get(spec.name) is not None:
                value = overrides[spec.name]
            values[spec.name] = value
        return cls(**values)


def graph_settings(
    url: str, ca_bundle: str, config: GraphSandboxConfig | None = None, **overrides: Any
) -> GraphSettings:
    """Calendar-worker settings for the sandbox at ``url`` (its CA in ``ca_bundle``), with its credentials."""
    registration = config or GraphSandboxConfig()
    base: dict[str, Any] = {
        "tenant_id": registration.tenant_id,
        "client_id": registration.client_id,
        "client_secret": registration.client_secret,
        "scope": GRAPH_SCOPE,
        "authority_url": url,
        "base_url": f"{url}/v1.0",
        "ca_bundle": ca_bundle,
        "metrics_port": 0,
    }
    return GraphSettings(**{**base, **overrides})
