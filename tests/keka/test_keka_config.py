"""Start-up settings for Keka: the device identifier's format, the token URL's default."""

from __future__ import annotations

import pytest

from worker.config import ConfigError, KekaSettings

BASE = {
    "KEKA_INGESTION_BASE_URL": "https://cin02.a.keka.com",
    "KEKA_INGESTION_KEY": "k",
    "KEKA_DEVICE_IDENTIFIER": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "KEKA_API_KEY": "a",
    "KEKA_COMPANY_ALIAS": "acme",
    "KEKA_ENV_DOMAIN": "keka.com",
    "KEKA_CLIENT_ID": "c",
    "KEKA_CLIENT_SECRET": "s",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    for name in (*BASE, "KEKA_TOKEN_URL", "KEKA_HRIS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in {**BASE, **values}.items():
            monkeypatch.setenv(name, value)

    return set_env


@pytest.mark.parametrize(
    ("domain", "token_url"),
    [
        ("keka.com", "https://login.keka.com/connect/token"),
        ("kekademo.com", "https://login.kekademo.com/connect/token"),
    ],
)
def test_token_url_follows_the_environment_domain(env, domain: str, token_url: str) -> None:
    env(KEKA_ENV_DOMAIN=domain)
    settings = KekaSettings.from_env()
    assert settings.token_url == token_url
    assert settings.hris_base_url == f"https://acme.{domain}/api/v1"


def test_explicit_token_url_wins(env) -> None:
    env(KEKA_ENV_DOMAIN="kekademo.com", KEKA_TOKEN_URL="https://login.example.test/connect/token")
    assert KekaSettings.from_env().token_url == "https://login.example.test/connect/token"


@pytest.mark.parametrize(
    "device",
    ["3f2504e0-4f89-41d3-9a0c-0305e82c3301 ", " 3f2504e0-4f89-41d3-9a0c-0305e82c3301", "dev-1", "3f2504e0"],
)
def test_malformed_device_identifier_is_refused_at_start_up(env, device: str) -> None:
    env(KEKA_DEVICE_IDENTIFIER=device)
    with pytest.raises(ConfigError, match="KEKA_DEVICE_IDENTIFIER must be the GUID"):
        KekaSettings.from_env()


def test_push_fingerprint_changes_with_the_key_and_hides_it(env) -> None:
    env()
    first = KekaSettings.from_env()
    env(KEKA_INGESTION_KEY="rotated")
    second = KekaSettings.from_env()
    assert first.push_fingerprint != second.push_fingerprint
    assert "rotated" not in second.push_fingerprint
