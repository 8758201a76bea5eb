"""Composition root: build the collaborators the use cases need, from the settings.

The one module of ``services`` that knows concrete integrations. Both processes (web and
worker) call :func:`build_deps` once at start-up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from moderation.config import Settings
from moderation.integrations.celery_producer import make_publisher
from moderation.integrations.redis_cache import RedisReadCache
from moderation.integrations.webhook_transport import AddressPolicy
from moderation.integrations.webhook_transport import WebhookTransport
from moderation.jobs import Publisher
from moderation.pipeline import Policy
from moderation.services.ports import Clock
from moderation.services.ports import Deps
from moderation.services.ports import NullCache
from moderation.services.ports import ReadCache
from moderation.services.ports import SystemClock
from moderation.services.ports import WebhookSender
from moderation.services.wordlists import rules_for


def build_deps(
    settings: Settings,
    *,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    cache: ReadCache | None = None,
    webhook_sender: WebhookSender | None = None,
) -> Deps:
    """Everything the services need; tests may pass their own clock."""
    if cache is None:
        cache = RedisReadCache(settings.redis_url) if settings.uses_redis else NullCache()
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        publisher=publisher or make_publisher(settings),
        cache=cache,
        # The request path screens with the cheap rules only; the worker builds the full set
        # with the current word list (services.wordlists.current_rules).
        rules=rules_for(settings),
        classifiers=(),
        policy=Policy(hold_at=settings.score_hold_at, reject_at=settings.score_reject_at),
        webhook_sender=webhook_sender or webhook_transport(settings),
    )


def webhook_transport(settings: Settings) -> WebhookTransport:
    """The SSRF-safe webhook client, with the allow-list and timeouts of ``settings``."""
    policy = AddressPolicy(settings.webhook_allowed_networks, _dependency_ports(settings))
    return WebhookTransport(
        policy,
        connect_timeout=settings.webhook_connect_timeout_seconds,
        total_timeout=settings.webhook_timeout_seconds,
    )


def _dependency_ports(settings: Settings) -> frozenset[int]:
    # The service's own database, Redis and broker stay out of reach even when an admin
    # allow-lists the network they live on.
    ports = {5432, 6379, 5672}
    for url in (settings.database_url, settings.redis_url, settings.broker_url):
        try:
            port = urlsplit(url).port
        except ValueError:
            continue
        if port:
            ports.add(port)
    return frozenset(ports)
