"""Settings read from the environment, in one place.

Every environment variable the project reads is declared here (and listed in
the README). Nothing else in the package calls ``os.environ``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from worker.db.urls import derive_url

ROOT = Path(__file__).resolve().parent.parent
# A DeviceIdentifier as Keka's System.Guid parses it, with nothing around it.
DEVICE_IDENTIFIER_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class ClusterSettings:
    """Where the embedded development cluster lives and listens."""

    base_dir: Path = field(default_factory=lambda: Path(_env("HITHONIX_PGDATA", str(ROOT / ".pgdata"))))
    port: int = field(default_factory=lambda: _env_int("HITHONIX_PGPORT", 54329))
    host: str = field(default_factory=lambda: _env("HITHONIX_PGHOST", "127.0.0.1") or "127.0.0.1")
    socket_dir: Path | None = field(default_factory=lambda: Path(p) if (p := _env("HITHONIX_PGSOCKET")) else None)
    database: str = field(default_factory=lambda: _env("HITHONIX_PGDATABASE", "hithonix") or "hithonix")
    pg_bin: Path = field(default_factory=lambda: Path(_env("PG_BIN", "/usr/lib/postgresql/15/bin") or ""))

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def run_dir(self) -> Path:
        return self.socket_dir or self.base_dir / "run"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    def url(self, database: str | None = None, user: str = "postgres") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database or self.database}"


def database_url() -> str:
    """The target database: ``DATABASE_URL`` if set, else the embedded cluster."""
    return _env("DATABASE_URL") or ClusterSettings().url()


def target_is_embedded() -> bool:
    """True when no DATABASE_URL is set, so commands start and use the embedded cluster."""
    return _env("DATABASE_URL") is None


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment plus ``extra``: what a child process (worker, PostgREST) gets."""
    return {**os.environ, **extra}


def log_level() -> str:
    """LOG_LEVEL: INFO by default (the idle worker is silent); DEBUG shows per-job and per-request lines."""
    level = (_env("LOG_LEVEL", "INFO") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return level


def jwt_secret() -> str:
    secret = _env("PGRST_JWT_SECRET", "hithonix-local-development-secret-change-me!!")
    assert secret is not None
    if len(secret) < 32:
        raise ConfigError("PGRST_JWT_SECRET must be at least 32 characters (PostgREST refuses less)")
    return secret


def worker_database_url() -> str:
    """The worker's connection: WORKER_DATABASE_URL, else the target database as hithonix_worker."""
    return _env("WORKER_DATABASE_URL") or derive_url(database_url(), user="hithonix_worker")


def authenticator_url() -> str:
    """PostgREST's connection: PGRST_DB_URI, else the target database as authenticator."""
    return _env("PGRST_DB_URI") or derive_url(database_url(), user="authenticator")


@dataclass(frozen=True)
class KekaSettings:
    """How the worker reaches Keka (or the local sandbox) and paces itself."""

    ingestion_base_url: str
    ingestion_key: str
    device_identifier: str
    api_key: str
    company_alias: str
    env_domain: str
    client_id: str
    client_secret: str
    hris_base_url: str
    token_url: str
    timeout_seconds: float = 10.0
    batch_size: int = 100
    visibility_timeout_seconds: int = 60
    probe_interval_seconds: float = 5.0
    rejected_probe_interval_seconds: float = 60.0
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    concurrency: int = 1
    metrics_port: int = 9108
    push_interval_seconds: int = 5

    # where Keka is and the credentials: field → environment variable
    CONNECTION_ENV: ClassVar[dict[str, str]] = {
        "ingestion_base_url": "KEKA_INGESTION_BASE_URL",
        "ingestion_key": "KEKA_INGESTION_KEY",
        "device_identifier": "KEKA_DEVICE_IDENTIFIER",
        "api_key": "KEKA_API_KEY",
        "company_alias": "KEKA_COMPANY_ALIAS",
        "env_domain": "KEKA_ENV_DOMAIN",
        "client_id": "KEKA_CLIENT_ID",
        "client_secret": "KEKA_CLIENT_SECRET",
        "hris_base_url": "KEKA_HRIS_BASE_URL",
        "token_url": "KEKA_TOKEN_URL",
    }
    REQUIRED: ClassVar[tuple[str, ...]] = tuple(
        v for v in CONNECTION_ENV.values() if v not in ("KEKA_HRIS_BASE_URL", "KEKA_TOKEN_URL")
    )

    @classmethod
    def connection_env_given(cls) -> dict[str, str]:
        """The KEKA_* connection variables this environment sets (they win over the sandbox's)."""
        return {name: value for name in cls.CONNECTION_ENV.values() if (value := _env(name))}

    @property
    def push_fingerprint(self) -> str:
        """Names the push configuration (URL, key, device) without revealing the key: a
        circuit opened by a refusal probes at once when the worker runs with another one."""
        material = "\n".join((self.ingestion_base_url, self.ingestion_key, self.device_identifier))
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def connection_env(self) -> dict[str, str]:
        """These settings as the environment a worker process reads (e.g. to start one)."""
        return {name: str(getattr(self, field)) for field, name in self.CONNECTION_ENV.items()}

    @classmethod
    def from_env(cls) -> KekaSettings:
        missing = [name for name in cls.REQUIRED if not _env(name)]
        if missing:
            raise ConfigError(
                "the worker needs these settings, which are missing: "
                + ", ".join(missing)
                + " (see README, Configuration)"
            )

        def need(name: str) -> str:
            value = _env(name)
            assert value is not None
            return value

        alias, domain = need("KEKA_COMPANY_ALIAS"), need("KEKA_ENV_DOMAIN")
        device = need("KEKA_DEVICE_IDENTIFIER")
        if not DEVICE_IDENTIFIER_RE.fullmatch(device):
            raise ConfigError(
                f"KEKA_DEVICE_IDENTIFIER must be the GUID Keka issued (8-4-4-4-12 hex digits, nothing"
                f" around it), got {device!r}: Keka refuses every request with a malformed one"
            )
        try:
            timeout = float(_env("KEKA_TIMEOUT_SECONDS", "10") or "10")
        except ValueError as exc:
            raise ConfigError("KEKA_TIMEOUT_SECONDS must be a number") from exc
        return cls(
            ingestion_base_url=need("KEKA_INGESTION_BASE_URL").rstrip("/"),
            ingestion_key=need("KEKA_INGESTION_KEY"),
            device_identifier=device,
            api_key=need("KEKA_API_KEY"),
            company_alias=alias,
            env_domain=domain,
            client_id=need("KEKA_CLIENT_ID"),
            client_secret=need("KEKA_CLIENT_SECRET"),
            hris_base_url=(_env("KEKA_HRIS_BASE_URL") or f"https://{alias}.{domain}/api/v1").rstrip("/"),
            token_url=_env("KEKA_TOKEN_URL") or f"https://login.{domain}/connect/token",
            timeout_seconds=timeout,
            batch_size=min(_env_int("KEKA_BATCH_SIZE", 100), 100),
            visibility_timeout_seconds=_env_int("KEKA_VISIBILITY_TIMEOUT_SECONDS", 60),
            probe_interval_seconds=_env_float("KEKA_PROBE_INTERVAL_SECONDS", 5.0),
            rejected_probe_interval_seconds=_env_float("KEKA_REJECTED_PROBE_INTERVAL_SECONDS", 60.0),
            backoff_base_seconds=float(_env("KEKA_BACKOFF_BASE_SECONDS", "2") or "2"),
            backoff_cap_seconds=float(_env("KEKA_BACKOFF_CAP_SECONDS", "300") or "300"),
            concurrency=_env_int("WORKER_CONCURRENCY", 1),
            metrics_port=_env_int("WORKER_METRICS_PORT", 9108),
            push_interval_seconds=_env_int("WORKER_PUSH_INTERVAL_SECONDS", 5),
        )


@dataclass(frozen=True)
class SandboxSettings:
    """Where the local Keka sandbox listens and what it starts with (development only)."""

    host: str = field(default_factory=lambda: _env("KEKA_SANDBOX_HOST", "127.0.0.1") or "127.0.0.1")
    port: int = field(default_factory=lambda: _env_int("KEKA_SANDBOX_PORT", 8765))
    # None: the caller's default (0 standalone, 25 under `make run`)
    seed_employees: int | None = field(
        default_factory=lambda: (
            _env_int("KEKA_SANDBOX_SEED_EMPLOYEES", 0) if _env("KEKA_SANDBOX_SEED_EMPLOYEES") else None
        )
    )


def sandbox_environment() -> dict[str, str]:
    """Every KEKA_SANDBOX_* variable that is set: the sandbox's credential and limit overrides."""
    return {name: value for name, value in os.environ.items() if name.startswith("KEKA_SANDBOX_") and value}


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class GraphSettings:
    """How the calendar worker reaches Microsoft Graph (or the local Graph sandbox) and paces itself.

    ``authority_url`` is the identity host without the tenant (msal gets ``<authority_url>/<tenant_id>``);
    ``ca_bundle`` a PEM file of extra trusted certificates (a corporate proxy, the sandbox), else the
    system's. With ``enabled`` false the worker reads nothing and messages wait in ``calendar_sync``.
    """

    tenant_id: str
    client_id: str
    client_secret: str
    scope: str = "https://graph.microsoft.com/.default"
    authority_url: str = "https://login.microsoftonline.com"
    base_url: str = "https://graph.microsoft.com/v1.0"
    ca_bundle: str | None = None
    timeout_seconds: float = 10.0
    enabled: bool = True
    batch_size: int = 10
    visibility_timeout_seconds: int = 60
    max_reads: int = 3
    retry_attempts: int = 3
    retry_max_wait_seconds: float = 20.0
    backoff_base_seconds: float = 60.0
    backoff_cap_seconds: float = 900.0
    interval_seconds: int = 10
    time_zone: str = "India Standard Time"
    metrics_port: int = 9109

    # where Graph is and the credentials: field → environment variable
    CONNECTION_ENV: ClassVar[dict[str, str]] = {
        "tenant_id": "GRAPH_TENANT_ID",
        "client_id": "GRAPH_CLIENT_ID",
        "client_secret": "GRAPH_CLIENT_SECRET",
        "scope": "GRAPH_SCOPE",
        "authority_url": "GRAPH_AUTHORITY_URL",
        "base_url": "GRAPH_BASE_URL",
        "ca_bundle": "GRAPH_CA_BUNDLE",
    }
    REQUIRED: ClassVar[tuple[str, ...]] = ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET")

    @property
    def authority(self) -> str:
        return f"{self.authority_url.rstrip('/')}/{self.tenant_id}"

    @classmethod
    def connection_env_given(cls) -> dict[str, str]:
        """The GRAPH_* connection variables this environment sets (they win over the sandbox's)."""
        return {name: value for name in cls.CONNECTION_ENV.values() if (value := _env(name))}

    def connection_env(self) -> dict[str, str]:
        """These settings as the environment a calendar worker process reads."""
        return {name: str(value) for field, name in self.CONNECTION_ENV.items() if (value := getattr(self, field))}

    @classmethod
    def sync_enabled(cls) -> bool:
        """CALENDAR_SYNC_ENABLED (default true); false keeps every message waiting."""
        return _env_bool("CALENDAR_SYNC_ENABLED", True)

    @classmethod
    def from_env(cls) -> GraphSettings:
        enabled = cls.sync_enabled()
        missing = [name for name in cls.REQUIRED if not _env(name)]
        if missing and enabled:
            raise ConfigError(
                "calendar sync needs these settings, which are missing: "
                + ", ".join(missing)
                + " (or CALENDAR_SYNC_ENABLED=false; see README, Configuration)"
            )
        return cls(
            tenant_id=_env("GRAPH_TENANT_ID", "") or "",
            client_id=_env("GRAPH_CLIENT_ID", "") or "",
            client_secret=_env("GRAPH_CLIENT_SECRET", "") or "",
            scope=_env("GRAPH_SCOPE", cls.scope) or cls.scope,
            authority_url=(_env("GRAPH_AUTHORITY_URL", cls.authority_url) or cls.authority_url).rstrip("/"),
            base_url=(_env("GRAPH_BASE_URL", cls.base_url) or cls.base_url).rstrip("/"),
            ca_bundle=_env("GRAPH_CA_BUNDLE"),
            timeout_seconds=_env_float("GRAPH_TIMEOUT_SECONDS", 10.0),
            enabled=enabled,
            batch_size=max(1, _env_int("CALENDAR_SYNC_BATCH_SIZE", 10)),
            visibility_timeout_seconds=_env_int("CALENDAR_SYNC_VISIBILITY_TIMEOUT_SECONDS", 60),
            max_reads=_env_int("CALENDAR_SYNC_MAX_READS", 3),
            retry_attempts=max(1, _env_int("CALENDAR_SYNC_RETRY_ATTEMPTS", 3)),
            retry_max_wait_seconds=_env_float("CALENDAR_SYNC_RETRY_MAX_WAIT_SECONDS", 20.0),
            backoff_base_seconds=_env_float("CALENDAR_SYNC_BACKOFF_BASE_SECONDS", 60.0),
            backoff_cap_seconds=_env_float("CALENDAR_SYNC_BACKOFF_CAP_SECONDS", 900.0),
            interval_seconds=min(59, max(1, _env_int("CALENDAR_SYNC_INTERVAL_SECONDS", 10))),
            time_zone=_env("CALENDAR_SYNC_TIME_ZONE", cls.time_zone) or cls.time_zone,
            metrics_port=_env_int("CALENDAR_METRICS_PORT", 9109),
        )


@dataclass(frozen=True)
class GraphSandboxSettings:
    """Where the local Microsoft Graph sandbox listens (development only)."""

    host: str = field(default_factory=lambda: _env("GRAPH_SANDBOX_HOST", "127.0.0.1") or "127.0.0.1")
    port: int = field(default_factory=lambda: _env_int("GRAPH_SANDBOX_PORT", 8766))


def graph_sandbox_environment() -> dict[str, str]:
    """Every GRAPH_SANDBOX_* variable that is set: the Graph sandbox's credential overrides."""
    return {name: value for name, value in os.environ.items() if name.startswith("GRAPH_SANDBOX_") and value}


@dataclass(frozen=True)
class ModelSettings:
    """The gatekeeper's optional second opinion: an OpenAI-compatible chat-completions endpoint.

    Asked only when ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set; ``timeout_seconds`` bounds
    each phase of the call (connect, send, read), and on timeout or error the clock-in goes
    ahead with gatekeeper_status SKIPPED and the reason recorded.
    """

    api_key: str | None = None
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    timeout_seconds: float = 2.0

    @property
    def enabled(self) -> bool:
        return self.api_key is not None or self.base_url != ModelSettings.base_url

    @classmethod
    def from_env(cls) -> ModelSettings:
        timeout = _env_float("GATEKEEPER_MODEL_TIMEOUT_SECONDS", 2.0)
        if not 0 < timeout <= 30:
            raise ConfigError(f"GATEKEEPER_MODEL_TIMEOUT_SECONDS must be between 0 and 30, got {timeout}")
        return cls(
            api_key=_env("OPENAI_API_KEY"),
            base_url=(_env("OPENAI_BASE_URL", cls.base_url) or cls.base_url).rstrip("/"),
            model=_env("OPENAI_MODEL", cls.model) or cls.model,
            timeout_seconds=timeout,
        )


@dataclass(frozen=True)
class SlackSettings:
    """The Slack app (``make slack``) and the notification lane's Slack side.

    Socket Mode when ``app_token`` (SLACK_APP_TOKEN, ``xapp-…``) is set, else HTTP mode on
    ``port`` with every request's signature checked against ``signing_secret``. ``api_url``
    is the Web API base (``SLACK_API_URL``; the sandbox in development). ``pgrst_url``: act
    through PostgREST (PGRST_URL) instead of a direct connection as authenticator.
    """

    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
    host: str = "127.0.0.1"
    port: int = 3000
    pgrst_url: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @classmethod
    def bot_token_from_env(cls) -> str | None:
        """SLACK_BOT_TOKEN or None: the notification lane logs notices instead when it is not set."""
        return _env("SLACK_BOT_TOKEN")

    @classmethod
    def api_url_from_env(cls) -> str:
        url = _env("SLACK_API_URL", cls.api_url) or cls.api_url
        return url if url.endswith("/") else url + "/"

    @classmethod
    def from_env(cls) -> SlackSettings:
        bot_token, app_token, secret = _env("SLACK_BOT_TOKEN"), _env("SLACK_APP_TOKEN"), _env("SLACK_SIGNING_SECRET")
        missing = [] if bot_token else ["SLACK_BOT_TOKEN"]
        if app_token is None and secret is None:
            missing.append("SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
        if missing:
            raise ConfigError(
                "the Slack app needs these settings, which are missing: " + ", ".join(missing) + " (see README, Slack)"
            )
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write")
        assert bot_token is not None
        return cls(
            bot_token=bot_token,
            signing_secret=secret,
            app_token=app_token,
            api_url=cls.api_url_from_env(),
            host=_env("SLACK_HOST", cls.host) or cls.host,
            port=_env_int("SLACK_PORT", 3000),
            pgrst_url=(_env("PGRST_URL") or "").rstrip("/") or None,
        )


@dataclass(frozen=True)
class NotificationSettings:
    """The notification lane: how often it drains ``notifications`` and how it retries."""

    interval_seconds: int = 5
    batch_size: int = 10
    visibility_timeout_seconds: int = 30
    max_attempts: int = 5
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0

    @classmethod
    def from_env(cls) -> NotificationSettings:
        return cls(
            interval_seconds=min(59, max(1, _env_int("NOTIFY_INTERVAL_SECONDS", 5))),
            batch_size=max(1, _env_int("NOTIFY_BATCH_SIZE", 10)),
            visibility_timeout_seconds=max(5, _env_int("NOTIFY_VISIBILITY_TIMEOUT_SECONDS", 30)),
            max_attempts=max(1, _env_int("NOTIFY_MAX_ATTEMPTS", 5)),
            backoff_base_seconds=_env_float("NOTIFY_BACKOFF_BASE_SECONDS", 2.0),
            backoff_cap_seconds=_env_float("NOTIFY_BACKOFF_CAP_SECONDS", 300.0),
        )
