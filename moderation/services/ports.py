"""Ports the services depend on, implemented in ``moderation.integrations`` and tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from moderation.config import Settings
from moderation.jobs import Publisher
from moderation.pipeline import Classifier
from moderation.pipeline import Policy
from moderation.pipeline import Rule
from moderation.pipeline import Submission
from moderation.pipeline.classifiers import Encoder


class Clock(Protocol):
    """Where the time comes from; tests pass a clock they can move."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real time, tz-aware UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ReadCache(Protocol):
    """A shared cache of public read responses, invalidated per article by generation.

    Readers fetch the article's generation first and key their entry with it, so a reader
    that computed a response from data older than a concurrent change stores it under a
    generation nobody asks for anymore: no stale entry can outlive an invalidation.
    Implementations fail open (a cache outage is a slower read, never an error).
    """

    def generations(self, article_keys: Iterable[str]) -> list[str | None] | None:
        """Current generation per article (``None`` for one not started), or ``None``
        when the cache is unavailable. Never creates anything."""
        ...

    def start_generations(self, article_keys: Iterable[str]) -> list[str] | None:
        """Start (with a TTL) the generations of articles the caller found in the
        database, and return the current ones; ``None`` when the cache is unavailable."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    def set(self, key: str, value: bytes, ttl: int) -> None: ...

    def invalidate(self, article_keys: Iterable[str]) -> None: ...


class NullCache:
    """No caching: every read goes to the database (the embedded default)."""

    def generations(self, article_keys: Iterable[str]) -> list[str | None] | None:
        return None

    def start_generations(self, article_keys: Iterable[str]) -> list[str] | None:
        return None

    def get(self, key: str) -> bytes | None:
        return None

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [None] * len(keys)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        return None

    def invalidate(self, article_keys: Iterable[str]) -> None:
        return None


class WebhookOutcome(Protocol):
    """What one webhook attempt came to (``status_code`` ``None``: no answer read)."""

    @property
    def status_code(self) -> int | None: ...

    @property
    def latency_ms(self) -> int: ...

    @property
    def error(self) -> str | None: ...

    @property
    def excerpt(self) -> str: ...

    @property
    def retry_after_seconds(self) -> float | None: ...


class WebhookSender(Protocol):
    """Checks webhook addresses (SSRF guard) and sends signed messages to them."""

    def check(self, url: str) -> None:
        """:raises moderation.errors.WebhookUrlRefused:"""
        ...

    def send(
        self,
        url: str,
        body: bytes,
        *,
        message_id: str,
        timestamp: dt.datetime,
        secrets: Sequence[str],
    ) -> WebhookOutcome:
        """One attempt; never raises for the receiver's behaviour (it is in the outcome)."""
        ...


class SpamReporter(Protocol):
    """Tells an outside spam filter what a moderator decided (Akismet's submit-spam/ham)."""

    def report(self, submission: Submission, *, author_email: str, is_spam: bool) -> None:
        """:raises moderation.errors.TransientError: try again later."""
        ...


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything a use case needs besides the session, built once by ``wiring``."""

    settings: Settings
    clock: Clock
    publisher: Publisher
    cache: ReadCache
    rules: tuple[Rule, ...]
    classifiers: tuple[Classifier, ...]
    policy: Policy
    webhook_sender: WebhookSender
    #: Set when Akismet is configured: moderators' decisions are reported back to it.
    spam_reporter: SpamReporter | None = None
    #: The sentence encoder of the built-in models' cascade (``None``: n-grams only).
    encoder: Encoder | None = None
