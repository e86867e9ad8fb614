"""The sandbox's credentials and limits, and the worker settings that point at it.

The one place the sandbox's default credentials are written: tests, the demo,
the bench and ``make run`` get them from here (``keka_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from worker.config import KekaSettings, sandbox_environment

# The device the worker reports as, unless a caller names another.
DEVICE_IDENTIFIER = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Credentials and limits; every field has a KEKA_SANDBOX_* environment fallback."""

    ingestion_key: str = "sandbox-ingestion-key"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    api_key: str = "sandbox-api-key"
    token_ttl_seconds: int = 86400
    rate_limit_per_minute: int = 50
    max_batch_size: int = 100

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Defaults, then KEKA_SANDBOX_<FIELD> variables, then non-None overrides."""
        env = sandbox_environment() if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = env.get(f"KEKA_SANDBOX_{spec.name.upper()}")
            value: Any = spec.default if raw is None else type(spec.default)(raw)
            if overrides.get(spec.name) is not None:
                value = overrides[spec.name]
            values[spec.name] = value
        return cls(**values)


def keka_settings(url: str, config: SandboxConfig | None = None, **overrides: Any) -> KekaSettings:
    """Worker settings for the sandbox at ``url`` with its credentials (the defaults unless ``config``)."""
    credentials = config or SandboxConfig()
    base: dict[str, Any] = {
        "ingestion_base_url": url,
        "ingestion_key": credentials.ingestion_key,
        "device_identifier": DEVICE_IDENTIFIER,
        "api_key": credentials.api_key,
        "company_alias": "sandbox",
        "env_domain": "kekademo.com",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "hris_base_url": f"{url}/api/v1",
        "token_url": f"{url}/connect/token",
        "metrics_port": 0,
    }
    return KekaSettings(**{**base, **overrides})
