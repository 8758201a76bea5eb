"""Settings from the environment: defaults, parsing, and refusals in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.config import ConfigError
from moderation.config import IpStorage
from moderation.config import Settings


def test_embedded_defaults_need_no_server(tmp_path: Path) -> None:
    settings = Settings.from_env({"MODERATION_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'moderation.sqlite'}"
    assert settings.broker_url == f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert settings.redis_url == ""
    assert not settings.is_production
    assert settings.ip_storage is IpStorage.TRUNCATED


def test_values_are_parsed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MODERATION_INSTANCE_DIR": str(tmp_path),
            "MODERATION_DATABASE_URL": "postgres://u:p@db:5432/m",
            "MODERATION_SECRET_KEY": "k" * 40,
            "MODERATION_REDIS_URL": "redis://r:6379/1",
            "MODERATION_ALLOWED_SITES": "www.journal.fr, https://blog.journal.fr ,",
            "MODERATION_AUTO_CREATE_ARTICLES": "yes",
            "MODERATION_BODY_MAX_LENGTH": "3000",
            "MODERATION_IP_STORAGE": "none",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/m"
    # Never the cache's own database: the broker must not be evicted.
    assert settings.broker_url == "redis://r:6379/2"
    assert settings.allowed_sites == ("www.journal.fr", "https://blog.journal.fr")
    assert settings.auto_create_articles is True
    assert settings.body_max_length == 3000
    assert settings.ip_storage is IpStorage.NONE


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MODERATION_MAX_DEPTH", "deux"),
        ("MODERATION_AUTO_CREATE_ARTICLES", "peut-être"),
        ("MODERATION_BODY_MAX_LENGTH", "0"),
        ("MODERATION_DEFAULT_LOCALE", "de"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name.removeprefix("MODERATION_").split("_")[0]):
        Settings.from_env({name: value})


@pytest.mark.parametrize("secret", [None, "", "short", "insecure-development-secret"])
def test_production_refuses_to_start_without_a_real_secret(secret: str | None) -> None:
    env = {"MODERATION_ENV": "production"}
    if secret is not None:
        env["MODERATION_SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="MODERATION_SECRET_KEY"):
        Settings.from_env(env)


def test_production_refuses_debug() -> None:
    with pytest.raises(ConfigError, match="DEBUG"):
        Settings.from_env(
            {
                "MODERATION_ENV": "production",
                "MODERATION_SECRET_KEY": "s" * 40,
                "MODERATION_DEBUG": "true",
            }
        )


def test_production_starts_with_a_real_secret() -> None:
    settings = Settings.from_env(
        {"MODERATION_ENV": "production", "MODERATION_SECRET_KEY": "s" * 40}
    )
    assert settings.is_production


def test_every_setting_is_documented() -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    source = (root / "moderation" / "config.py").read_text()
    names = set(re.findall(r'get\.\w+\("([A-Z_]+)"', source))
    assert len(names) > 25
    readme = (root / "README.md").read_text()
    example = (root / ".env.example").read_text()
    for name in sorted(names):
        assert f"MODERATION_{name}" in readme, f"MODERATION_{name} missing from the README"
        assert f"MODERATION_{name}=" in example, f"MODERATION_{name} missing from .env.example"


def test_blank_or_off_rate_limit_turns_it_off() -> None:
    assert Settings.from_env({"MODERATION_RATE_LIMIT": ""}).rate_limit == ""
    assert Settings.from_env({"MODERATION_RATE_LIMIT": "off"}).rate_limit == ""
    assert Settings.from_env({}).rate_limit == "5 per minute;30 per hour"


def test_newsroom_names_are_a_setting_with_a_default_list() -> None:
    from moderation.config import DEFAULT_NEWSROOM_NAMES

    assert "La Rédaction" in Settings.from_env({}).newsroom_names
    assert Settings.from_env({}).newsroom_names == DEFAULT_NEWSROOM_NAMES
    mine = Settings.from_env({"MODERATION_NEWSROOM_NAMES": "Le Journal, La Rédaction"})
    assert mine.newsroom_names == ("Le Journal", "La Rédaction")
    assert Settings.from_env({"MODERATION_NEWSROOM_NAMES": "none"}).newsroom_names == ()


def test_broker_and_cache_must_not_share_a_redis_database() -> None:
    with pytest.raises(ConfigError, match="noeviction"):
        Settings.from_env(
            {
                "MODERATION_REDIS_URL": "redis://r:6379/1",
                "MODERATION_BROKER_URL": "redis://r:6379/1",
            }
        )
    separate = Settings.from_env(
        {
            "MODERATION_REDIS_URL": "redis://cache:6379/0",
            "MODERATION_BROKER_URL": "redis://q:6379/0",
        }
    )
    assert separate.broker_url == "redis://q:6379/0"


def test_scoring_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {
            "MODERATION_CLASSIFIERS": "Akismet, builtin",
            "MODERATION_SHADOW_CLASSIFIERS": "perspective,builtin@tox-csv-2026-12-02-1",
            "MODERATION_REQUIRED_CLASSIFIERS": "akismet",
            "MODERATION_SCORE_THRESHOLDS": "toxicity=0.6:0.95, spam=0.4:0.8",
        }
    )
    assert settings.classifiers == ("akismet", "builtin")
    assert settings.shadow_classifiers == ("perspective", "builtin@tox-csv-2026-12-02-1")
    assert settings.score_thresholds == (("toxicity", 0.6, 0.95), ("spam", 0.4, 0.8))
    assert Settings.from_env({}).classifiers == ("builtin",)
    for variable, value in (
        ("MODERATION_CLASSIFIERS", "builtin,vendor-x"),
        ("MODERATION_CLASSIFIERS", "builtin@v1"),
        ("MODERATION_SCORE_THRESHOLDS", "toxicity=high"),
        ("MODERATION_SCORE_THRESHOLDS", "toxicity=0.9:0.5"),
        ("MODERATION_CHECK_BATCH_SIZE", "0"),
    ):
        with pytest.raises(ConfigError):
            Settings.from_env({variable: value})
