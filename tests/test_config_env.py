"""MODERATION_ENV is spelled exactly, and the public development secret stays on SQLite."""

from __future__ import annotations

import pytest

from moderation.config import DEV_SECRET
from moderation.config import ConfigError
from moderation.config import Settings

PG = "postgresql://moderation@db.internal/moderation"


@pytest.mark.parametrize("value", ["prod", "Production", "production2", "staging", "dev"])
def test_unknown_environment_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="MODERATION_ENV must be exactly one of"):
        Settings.from_env({"MODERATION_ENV": value, "MODERATION_SECRET_KEY": "s" * 40})


@pytest.mark.parametrize("value", ["development", "test", "production"])
def test_known_environments_start(value: str) -> None:
    settings = Settings.from_env({"MODERATION_ENV": value, "MODERATION_SECRET_KEY": "s" * 40})
    assert settings.env == value


@pytest.mark.parametrize("env", [None, "development", "test"])
@pytest.mark.parametrize("secret", [None, "", DEV_SECRET])
def test_development_secret_is_refused_off_the_embedded_database(
    env: str | None, secret: str | None
) -> None:
    environ = {"MODERATION_DATABASE_URL": PG}
    if env is not None:
        environ["MODERATION_ENV"] = env
    if secret is not None:
        environ["MODERATION_SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="MODERATION_SECRET_KEY"):
        Settings.from_env(environ)


def test_development_secret_is_accepted_on_the_embedded_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"MODERATION_INSTANCE_DIR": str(tmp_path)})
    assert settings.secret_key == DEV_SECRET
    assert settings.database_url.startswith("sqlite:///")


def test_a_real_secret_runs_on_postgresql_outside_production() -> None:
    settings = Settings.from_env({"MODERATION_DATABASE_URL": PG, "MODERATION_SECRET_KEY": "k" * 40})
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_settings_built_in_code_are_held_to_the_same_rule() -> None:
    with pytest.raises(ConfigError, match="MODERATION_SECRET_KEY"):
        Settings(database_url="postgresql+psycopg://x@y/z").validate()
    with pytest.raises(ConfigError, match="MODERATION_ENV"):
        Settings(env="prod", database_url="sqlite:///x").validate()
