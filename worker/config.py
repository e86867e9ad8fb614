"""Settings read from the environment, in one place.

Every environment variable the project reads is declared here (and listed in
the README). Nothing else in the package calls ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


@dataclass(frozen=True)
class ClusterSettings:
    """Where the embedded development cluster lives and listens."""

    base_dir: Path = field(default_factory=lambda: Path(_env("HITHONIX_PGDATA", str(ROOT / ".pgdata"))))
    port: int = field(default_factory=lambda: _env_int("HITHONIX_PGPORT", 54329))
    host: str = field(default_factory=lambda: _env("HITHONIX_PGHOST", "127.0.0.1") or "127.0.0.1")
    socket_dir: Path | None = field(
        default_factory=lambda: Path(p) if (p := _env("HITHONIX_PGSOCKET")) else None
    )
    database: str = field(default_factory=lambda: _env("HITHONIX_PGDATABASE", "hithonix") or "hithonix")
    pg_bin: Path = field(
        default_factory=lambda: Path(_env("PG_BIN", "/usr/lib/postgresql/15/bin") or "")
    )

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


def jwt_secret() -> str:
    secret = _env("PGRST_JWT_SECRET", "hithonix-local-development-secret-change-me!!")
    assert secret is not None
    if len(secret) < 32:
        raise ConfigError("PGRST_JWT_SECRET must be at least 32 characters (PostgREST refuses less)")
    return secret
