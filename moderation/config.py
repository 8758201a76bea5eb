"""Settings: the one place that reads ``MODERATION_*`` environment variables.

A :class:`Settings` value is built once per process (``Settings.from_env()``) and passed
explicitly to ``create_app`` and ``make_celery``. Nothing else in the project reads
``os.environ``. Defaults are the embedded first-run setup: SQLite under ``./instance``
and a Celery broker stored in a second SQLite file, so no server is needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError


class ConfigError(RuntimeError):
    """The environment describes a setup the service refuses to start with."""


class IpStorage(StrEnum):
    """How much of the client address is kept for the checks (never published)."""

    FULL = "full"
    TRUNCATED = "truncated"  # IPv4 /24, IPv6 /48
    NONE = "none"


class PremoderationMode(StrEnum):
    """Which comments go to a moderator before anyone sees them."""

    NONE = "none"
    FIRST_TIME = "first_time"
    LINKS = "links"
    ALL = "all"


#: Author names only the newsroom may sign with (held when a reader uses one); sites add
#: their own title. Accents, case and look-alike letters do not matter.
DEFAULT_NEWSROOM_NAMES: tuple[str, ...] = (
    "La Rédaction", "Rédaction", "Modérateur", "Modératrice", "Modération",
    "Administrateur", "Administratrice", "Admin", "Webmaster", "Moderator", "Moderation",
    "Newsroom", "The Editors", "Editorial team",
)  # fmt: skip

DEV_SECRET = "insecure-development-secret"  # noqa: S105 - refused in production mode

#: The only values of ``MODERATION_ENV``, spelled exactly: a typo must not fall back to
#: the development defaults (and their public secret) without a word.
ENVIRONMENTS = ("development", "test", "production")


def _instance_dir() -> Path:
    return Path.cwd() / "instance"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of the service; see the README's configuration table."""

    env: str = "development"
    secret_key: str = DEV_SECRET
    database_url: str = ""
    broker_url: str = ""
    redis_url: str = ""
    site_url: str = "http://127.0.0.1:5000"
    allowed_sites: tuple[str, ...] = ()
    auto_create_articles: bool = False
    check_deliverability: bool = False
    ip_storage: IpStorage = IpStorage.TRUNCATED
    trusted_proxies: int = 0
    name_max_length: int = 80
    body_min_length: int = 1
    body_max_length: int = 5000
    website_max_length: int = 200
    max_depth: int = 3
    max_content_length: int = 64 * 1024
    rate_limit: str = "5 per minute;30 per hour"
    premoderation: PremoderationMode = PremoderationMode.NONE
    max_links: int = 2
    #: Comments on an article close this many days after it appears (0: never).
    close_after_days: int = 0
    banned_words: tuple[str, ...] = ()
    seed_word_lists: bool = True
    blocked_domains: tuple[str, ...] = ()
    accepted_languages: tuple[str, ...] = ("fr", "en")
    trust_after: int = 5
    max_reject_rate: float = 0.5
    history_days: int = 90
    flood_window_seconds: int = 600
    flood_max_per_author: int = 5
    flood_max_per_network: int = 20
    campaign_window_hours: float = 24.0
    campaign_min_similar: int = 3
    min_seconds_to_write: float = 3.0
    newsroom_names: tuple[str, ...] = DEFAULT_NEWSROOM_NAMES
    score_hold_at: float = 0.5
    score_reject_at: float = 0.9
    #: The models shipped in the package (and the site's own versions) score every comment.
    builtin_models: bool = True
    #: The cascade's sentence encoder for the comments the n-gram models are unsure of.
    sentence_encoder: bool = True
    #: How often the workers adapt the built-in models to the moderators' decisions.
    retrain_interval_hours: float = 24.0
    surge_window_minutes: int = 15
    surge_factor: float = 4.0
    surge_min_comments: int = 20
    surge_held_share: float = 0.5
    surge_minutes: int = 60
    outbox_stale_seconds: float = 60.0
    outbox_max_attempts: int = 8
    sweep_interval_seconds: float = 30.0
    cache_ttl_seconds: int = 300
    page_size: int = 50
    page_size_max: int = 200
    honeypot_field: str = "company"
    session_hours: float = 12.0
    session_idle_minutes: int = 120
    log_level: str = "INFO"
    default_locale: str = "fr"
    timezone: str = "Europe/Paris"
    instance_dir: str = "instance"
    #: Networks a webhook may reach although they are not public (tests: 127.0.0.1/32).
    webhook_allowed_networks: tuple[str, ...] = ()
    webhook_connect_timeout_seconds: float = 3.0
    webhook_timeout_seconds: float = 15.0
    webhook_disable_after_days: float = 5.0
    webhook_sweep_interval_seconds: float = 5.0
    webhook_log_days: int = 30
    #: Attempts in flight at once per endpoint: a slow receiver holds no more workers.
    webhook_max_in_flight: int = 1
    # Scoring: which classifiers run, in order, and how outside ones are reached.
    classifiers: tuple[str, ...] = ("builtin",)
    #: Backends (or ``builtin@VERSION`` model versions) that score but decide nothing.
    shadow_classifiers: tuple[str, ...] = ()
    #: Backends without which no comment is approved (held when they cannot answer).
    required_classifiers: tuple[str, ...] = ()
    #: ``(attribute, hold_at, reject_at)`` overrides of the score thresholds, site-wide.
    score_thresholds: tuple[tuple[str, float, float], ...] = ()
    classifier_timeout_seconds: float = 5.0
    classifier_retries: int = 2
    classifier_attempts: int = 3
    classifier_breaker_failures: int = 5
    classifier_breaker_seconds: float = 60.0
    check_batch_size: int = 16
    akismet_api_key: str = ""
    akismet_url: str = "https://rest.akismet.com"
    akismet_discard: bool = False
    openai_base_url: str = "https://api.openai.com"
    openai_api_key: str = ""
    openai_model: str = "omni-moderation-latest"
    perspective_url: str = "https://commentanalyzer.googleapis.com/v1alpha1"
    perspective_api_key: str = ""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def campaign_window(self) -> dt.timedelta:
        return dt.timedelta(hours=self.campaign_window_hours)

    def replace(self, **changes: object) -> Settings:
        """Return a copy with ``changes`` applied (tests and the CLI use it)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``MODERATION_*`` variables and validate them.

        :raises ConfigError: production without a secret, or an unparseable value.
        """
        env = os.environ if environ is None else environ
        get = _Reader(env)
        instance = Path(get.str_("INSTANCE_DIR", str(_instance_dir())))
        redis_url = get.str_("REDIS_URL", "")
        database_url = get.str_("DATABASE_URL", f"sqlite:///{instance / 'moderation.sqlite'}")
        broker_default = (
            _next_database(redis_url)
            if redis_url
            else f"sqla+sqlite:///{instance / 'broker.sqlite'}"
        )
        mode = get.str_("ENV", "development")
        if mode not in ENVIRONMENTS:
            raise ConfigError(
                f"MODERATION_ENV must be exactly one of {', '.join(ENVIRONMENTS)}, not {mode!r}"
            )
        secret = get.str_("SECRET_KEY", "")
        if mode == "production":
            if not secret or secret == DEV_SECRET or len(secret) < 32:
                raise ConfigError(
                    "MODERATION_SECRET_KEY must be set to a random value of at least 32 "
                    "characters in production (for example: python -c "
                    "'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if get.bool_("DEBUG", False):
                raise ConfigError("MODERATION_DEBUG must be off in production")
        settings = cls(
            env=mode,
            secret_key=secret or DEV_SECRET,
            database_url=_normalise_database_url(database_url),
            broker_url=get.str_("BROKER_URL", broker_default),
            redis_url=redis_url,
            site_url=get.str_("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
            allowed_sites=get.list_("ALLOWED_SITES"),
            auto_create_articles=get.bool_("AUTO_CREATE_ARTICLES", False),
            check_deliverability=get.bool_("CHECK_DELIVERABILITY", False),
            ip_storage=IpStorage(get.str_("IP_STORAGE", IpStorage.TRUNCATED.value)),
            trusted_proxies=get.int_("TRUSTED_PROXIES", 0),
            name_max_length=get.int_("NAME_MAX_LENGTH", 80),
            body_min_length=get.int_("BODY_MIN_LENGTH", 1),
            body_max_length=get.int_("BODY_MAX_LENGTH", 5000),
            website_max_length=get.int_("WEBSITE_MAX_LENGTH", 200),
            max_depth=get.int_("MAX_DEPTH", 3),
            max_content_length=get.int_("MAX_CONTENT_LENGTH", 64 * 1024),
            rate_limit=get.rate_limit("RATE_LIMIT", "5 per minute;30 per hour"),
            premoderation=PremoderationMode(get.str_("PREMODERATION", "none")),
            max_links=get.int_("MAX_LINKS", 2),
            close_after_days=get.int_("CLOSE_AFTER_DAYS", 0),
            banned_words=get.list_("BANNED_WORDS"),
            seed_word_lists=get.bool_("SEED_WORD_LISTS", True),
            blocked_domains=tuple(d.lower() for d in get.list_("BLOCKED_DOMAINS")),
            accepted_languages=get.list_("ACCEPTED_LANGUAGES") or ("fr", "en"),
            trust_after=get.int_("TRUST_AFTER", 5),
            max_reject_rate=get.float_("MAX_REJECT_RATE", 0.5),
            history_days=get.int_("HISTORY_DAYS", 90),
            flood_window_seconds=get.int_("FLOOD_WINDOW_SECONDS", 600),
            flood_max_per_author=get.int_("FLOOD_MAX_PER_AUTHOR", 5),
            flood_max_per_network=get.int_("FLOOD_MAX_PER_NETWORK", 20),
            campaign_window_hours=get.float_("CAMPAIGN_WINDOW_HOURS", 24.0),
            campaign_min_similar=get.int_("CAMPAIGN_MIN_SIMILAR", 3),
            min_seconds_to_write=get.float_("MIN_SECONDS_TO_WRITE", 3.0),
            newsroom_names=_newsroom_names(get.list_("NEWSROOM_NAMES")),
            score_hold_at=get.float_("SCORE_HOLD_AT", 0.5),
            score_reject_at=get.float_("SCORE_REJECT_AT", 0.9),
            builtin_models=get.bool_("BUILTIN_MODELS", True),
            sentence_encoder=get.bool_("SENTENCE_ENCODER", True),
            retrain_interval_hours=get.float_("RETRAIN_INTERVAL_HOURS", 24.0),
            surge_window_minutes=get.int_("SURGE_WINDOW_MINUTES", 15),
            surge_factor=get.float_("SURGE_FACTOR", 4.0),
            surge_min_comments=get.int_("SURGE_MIN_COMMENTS", 20),
            surge_held_share=get.float_("SURGE_HELD_SHARE", 0.5),
            surge_minutes=get.int_("SURGE_MINUTES", 60),
            outbox_stale_seconds=get.float_("OUTBOX_STALE_SECONDS", 60.0),
            outbox_max_attempts=get.int_("OUTBOX_MAX_ATTEMPTS", 8),
            sweep_interval_seconds=get.float_("SWEEP_INTERVAL_SECONDS", 30.0),
            cache_ttl_seconds=get.int_("CACHE_TTL_SECONDS", 300),
            page_size=get.int_("PAGE_SIZE", 50),
            page_size_max=get.int_("PAGE_SIZE_MAX", 200),
            honeypot_field=get.str_("HONEYPOT_FIELD", "company"),
            session_hours=get.float_("SESSION_HOURS", 12.0),
            session_idle_minutes=get.int_("SESSION_IDLE_MINUTES", 120),
            log_level=get.str_("LOG_LEVEL", "INFO").upper(),
            default_locale=get.str_("DEFAULT_LOCALE", "fr"),
            timezone=get.str_("TIMEZONE", "Europe/Paris"),
            instance_dir=str(instance),
            webhook_allowed_networks=get.list_("WEBHOOK_ALLOWED_NETWORKS"),
            webhook_connect_timeout_seconds=get.float_("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 3.0),
            webhook_timeout_seconds=get.float_("WEBHOOK_TIMEOUT_SECONDS", 15.0),
            webhook_disable_after_days=get.float_("WEBHOOK_DISABLE_AFTER_DAYS", 5.0),
            webhook_sweep_interval_seconds=get.float_("WEBHOOK_SWEEP_INTERVAL_SECONDS", 5.0),
            webhook_log_days=get.int_("WEBHOOK_LOG_DAYS", 30),
            webhook_max_in_flight=get.int_("WEBHOOK_MAX_IN_FLIGHT", 1),
            **_scoring_from_env(get),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse combinations that cannot work, with a message naming the variable."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"MODERATION_ENV must be exactly one of {', '.join(ENVIRONMENTS)}")
        if self.secret_key == DEV_SECRET and not self.database_url.startswith("sqlite"):
            # The public development secret signs sessions and hashes emails: acceptable
            # only for the embedded first-run database, never for a shared server.
            raise ConfigError(
                "MODERATION_SECRET_KEY must be set to a random value when the database is "
                "not the embedded SQLite (for example: python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.body_min_length < 1 or self.body_max_length < self.body_min_length:
            raise ConfigError("MODERATION_BODY_MIN_LENGTH/BODY_MAX_LENGTH are inconsistent")
        if self.max_depth < 0:
            raise ConfigError("MODERATION_MAX_DEPTH must be 0 or more")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"MODERATION_TIMEZONE: unknown time zone {self.timezone!r}") from None
        if self.default_locale not in ("fr", "en"):
            raise ConfigError("MODERATION_DEFAULT_LOCALE must be fr or en")
        if not 0 < self.score_hold_at <= self.score_reject_at <= 1:
            raise ConfigError(
                "MODERATION_SCORE_HOLD_AT must be above 0 and at most SCORE_REJECT_AT"
            )
        if self.session_hours <= 0 or self.session_idle_minutes < 1:
            raise ConfigError(
                "MODERATION_SESSION_HOURS and MODERATION_SESSION_IDLE_MINUTES must be positive"
            )
        if not 1 <= self.page_size <= self.page_size_max:
            raise ConfigError("MODERATION_PAGE_SIZE must be between 1 and PAGE_SIZE_MAX")
        if not _FIELD_NAME.fullmatch(self.honeypot_field) or self.honeypot_field in _FORM_FIELDS:
            raise ConfigError(
                "MODERATION_HONEYPOT_FIELD must be a plain field name (letters, digits, _ or -) "
                "that the comment form does not already use"
            )
        if self.max_links < 1:
            raise ConfigError("MODERATION_MAX_LINKS must be 1 or more")
        if self.close_after_days < 0:
            raise ConfigError("MODERATION_CLOSE_AFTER_DAYS must be 0 (never) or more")
        for site in self.allowed_sites:
            # Each entry ends up in CORS and CSP headers: only plain origins or host names.
            if not _SITE.fullmatch(site):
                raise ConfigError(
                    f"MODERATION_ALLOWED_SITES: {site!r} is not a host name or an origin "
                    "such as https://www.journal.fr"
                )
        if self.redis_url and _same_redis_database(self.redis_url, self.broker_url):
            raise ConfigError(
                "MODERATION_BROKER_URL and MODERATION_REDIS_URL must not be the same Redis "
                "database: the broker needs maxmemory-policy noeviction, the read cache an "
                "evicting one (allkeys-lru); use two Redis servers, or at least two databases"
            )
        self._validate_webhooks()
        self._validate_scoring()

    def _validate_scoring(self) -> None:
        unknown = [
            name
            for name in (*self.classifiers, *self.shadow_classifiers, *self.required_classifiers)
            if name.partition("@")[0] not in CLASSIFIER_NAMES
        ]
        if unknown:
            raise ConfigError(
                f"MODERATION_CLASSIFIERS: unknown classifier {unknown[0]!r} "
                f"(known: {', '.join(CLASSIFIER_NAMES)})"
            )
        if any("@" in name for name in (*self.classifiers, *self.required_classifiers)):
            raise ConfigError(
                "MODERATION_CLASSIFIERS: a stored model version (builtin@VERSION) may run in "
                "MODERATION_SHADOW_CLASSIFIERS only; activate it to let it decide"
            )
        for attribute, hold_at, reject_at in self.score_thresholds:
            if not 0 < hold_at <= reject_at <= 1:
                raise ConfigError(
                    f"MODERATION_SCORE_THRESHOLDS: {attribute} needs 0 < hold_at <= reject_at <= 1"
                )
        if self.classifier_timeout_seconds <= 0 or self.check_batch_size < 1:
            raise ConfigError(
                "MODERATION_CLASSIFIER_TIMEOUT_SECONDS and MODERATION_CHECK_BATCH_SIZE must be "
                "above 0"
            )
        if min(self.classifier_retries, self.classifier_breaker_failures - 1) < 0:
            raise ConfigError("MODERATION_CLASSIFIER_RETRIES must be 0 or more")
        if self.classifier_attempts < 1:
            raise ConfigError("MODERATION_CLASSIFIER_ATTEMPTS must be 1 or more")

    def _validate_webhooks(self) -> None:
        for network in self.webhook_allowed_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ConfigError(
                    f"MODERATION_WEBHOOK_ALLOWED_NETWORKS: {network!r} is not an address or "
                    "a network such as 10.0.0.0/8"
                ) from None
        if not 0 < self.webhook_connect_timeout_seconds <= self.webhook_timeout_seconds <= 60:
            raise ConfigError(
                "MODERATION_WEBHOOK_CONNECT_TIMEOUT_SECONDS must be above 0 and at most "
                "WEBHOOK_TIMEOUT_SECONDS, itself at most 60"
            )
        if self.webhook_max_in_flight < 1:
            raise ConfigError("MODERATION_WEBHOOK_MAX_IN_FLIGHT must be 1 or more")
        if self.webhook_sweep_interval_seconds <= 0 or self.webhook_disable_after_days <= 0:
            raise ConfigError(
                "MODERATION_WEBHOOK_SWEEP_INTERVAL_SECONDS and WEBHOOK_DISABLE_AFTER_DAYS "
                "must be above 0"
            )


_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")
#: What the comment forms already send: a honeypot under one of these names would trap people.
_FORM_FIELDS = frozenset(
    {"author_name", "email", "website", "body", "parent_id", "article_url", "article_title"}
    | {"render_token", "author", "url", "comment", "comment_post_ID", "comment_parent"}
)


#: The classifiers ``MODERATION_CLASSIFIERS`` may name.
CLASSIFIER_NAMES = ("builtin", "akismet", "openai", "perspective")


def _scoring_from_env(get: _Reader) -> dict[str, Any]:
    """The scoring settings (kept apart to keep ``from_env`` readable)."""
    return {
        "classifiers": tuple(n.lower() for n in get.list_("CLASSIFIERS")) or ("builtin",),
        "shadow_classifiers": tuple(n.lower() for n in get.list_("SHADOW_CLASSIFIERS")),
        "required_classifiers": tuple(n.lower() for n in get.list_("REQUIRED_CLASSIFIERS")),
        "score_thresholds": _thresholds(get.list_("SCORE_THRESHOLDS")),
        "classifier_timeout_seconds": get.float_("CLASSIFIER_TIMEOUT_SECONDS", 5.0),
        "classifier_retries": get.int_("CLASSIFIER_RETRIES", 2),
        "classifier_attempts": get.int_("CLASSIFIER_ATTEMPTS", 3),
        "classifier_breaker_failures": get.int_("CLASSIFIER_BREAKER_FAILURES", 5),
        "classifier_breaker_seconds": get.float_("CLASSIFIER_BREAKER_SECONDS", 60.0),
        "check_batch_size": get.int_("CHECK_BATCH_SIZE", 16),
        "akismet_api_key": get.str_("AKISMET_API_KEY", ""),
        "akismet_url": get.str_("AKISMET_URL", "https://rest.akismet.com").rstrip("/"),
        "akismet_discard": get.bool_("AKISMET_DISCARD", False),
        "openai_base_url": get.str_("OPENAI_BASE_URL", "https://api.openai.com").rstrip("/"),
        "openai_api_key": get.str_("OPENAI_API_KEY", ""),
        "openai_model": get.str_("OPENAI_MODEL", "omni-moderation-latest"),
        "perspective_url": get.str_(
            "PERSPECTIVE_URL", "https://commentanalyzer.googleapis.com/v1alpha1"
        ).rstrip("/"),
        "perspective_api_key": get.str_("PERSPECTIVE_API_KEY", ""),
    }


def _thresholds(entries: tuple[str, ...]) -> tuple[tuple[str, float, float], ...]:
    """``toxicity=0.6:0.95`` entries as ``(attribute, hold_at, reject_at)``."""
    found = []
    for entry in entries:
        attribute, _, pair = entry.partition("=")
        hold, _, reject = pair.partition(":")
        try:
            found.append((attribute.strip().lower(), float(hold), float(reject or hold)))
        except ValueError:
            raise ConfigError(
                f"MODERATION_SCORE_THRESHOLDS: {entry!r} is not attribute=hold_at:reject_at"
            ) from None
    return tuple(found)


_SITE = re.compile(r"(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?/?")


def _newsroom_names(listed: tuple[str, ...]) -> tuple[str, ...]:
    # Unset keeps the built-in list; "none" turns the check off.
    if [name.lower() for name in listed] == ["none"]:
        return ()
    return listed or DEFAULT_NEWSROOM_NAMES


def generate_secret() -> str:
    """A value suitable for ``MODERATION_SECRET_KEY``."""
    return secrets.token_urlsafe(48)


def _redis_database(url: str) -> tuple[str, int]:
    """``(server part, database number)`` of a ``redis://`` URL."""
    head, _sep, rest = url.partition("://")
    server, _slash, path = rest.partition("/")
    number = path.split("?", 1)[0]
    return f"{head}://{server}", int(number) if number.isdigit() else 0


def _next_database(redis_url: str) -> str:
    """The broker's default: the cache's Redis server, another database number."""
    server, number = _redis_database(redis_url)
    return f"{server}/{number + 1 if number < 15 else number - 1}"


def _same_redis_database(a: str, b: str) -> bool:
    if not b.startswith(("redis://", "rediss://")):
        return False
    return _redis_database(a) == _redis_database(b)


def _normalise_database_url(url: str) -> str:
    # Accept the URLs that hosting platforms hand out and pick the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class _Reader:
    """Typed access to ``MODERATION_*`` variables with errors that name the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._env = environ

    def str_(self, name: str, default: str) -> str:
        # A blank value counts as unset, like the other readers: `KEY=` in an env file must
        # not turn the broker URL into "" (Celery would then try amqp://localhost).
        value = self._env.get(f"MODERATION_{name}", "").strip()
        return value or default

    def rate_limit(self, name: str, default: str) -> str:
        # Unlike other text settings, an explicitly blank value means something here:
        # no limit. "off" and "none" say the same more visibly.
        raw = self._env.get(f"MODERATION_{name}")
        if raw is None:
            return default
        value = raw.strip()
        return "" if value.lower() in ("", "off", "none") else value

    def bool_(self, name: str, default: bool) -> bool:
        raw = self._env.get(f"MODERATION_{name}")
        if raw is None or raw.strip() == "":
            return default
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"MODERATION_{name} must be true or false, not {raw!r}")

    def int_(self, name: str, default: int) -> int:
        raw = self._env.get(f"MODERATION_{name}")
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"MODERATION_{name} must be a whole number, not {raw!r}") from None

    def float_(self, name: str, default: float) -> float:
        raw = self._env.get(f"MODERATION_{name}")
        if raw is None or raw.strip() == "":
            return default
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"MODERATION_{name} must be a number, not {raw!r}") from None

    def list_(self, name: str) -> tuple[str, ...]:
        raw = self._env.get(f"MODERATION_{name}", "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())
