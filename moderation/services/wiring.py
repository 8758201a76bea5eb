"""Composition root: build the collaborators the use cases need, from the settings.

The one module of ``services`` that knows concrete integrations. Both processes (web and
worker) call :func:`build_deps` once at start-up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from moderation.config import Settings
from moderation.integrations.akismet import AkismetClassifier
from moderation.integrations.backend_http import CallPolicy
from moderation.integrations.backend_http import PolicyTransport
from moderation.integrations.celery_producer import make_publisher
from moderation.integrations.openai_moderation import OpenAIModeration
from moderation.integrations.perspective import PerspectiveClassifier
from moderation.integrations.redis_cache import RedisReadCache
from moderation.integrations.sentence_encoder import shared_encoder
from moderation.integrations.webhook_transport import AddressPolicy
from moderation.integrations.webhook_transport import WebhookTransport
from moderation.jobs import Publisher
from moderation.pipeline import Classifier
from moderation.pipeline import Policy
from moderation.pipeline.classifiers import Encoder
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
    outside = outside_classifiers(settings)
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
        classifiers=outside,
        policy=Policy(
            hold_at=settings.score_hold_at,
            reject_at=settings.score_reject_at,
            label_thresholds=tuple(sorted(settings.score_thresholds)),
        ),
        webhook_sender=webhook_sender or webhook_transport(settings),
        spam_reporter=next((c for c in outside if isinstance(c, AkismetClassifier)), None),
        encoder=sentence_encoder(settings),
    )


def outside_classifiers(settings: Settings) -> tuple[Classifier, ...]:
    """The adapters of the outside backends the settings name (live or shadow), built once.

    Built per process: each keeps its breaker and its cache of answers across tasks.
    """
    names = {*settings.classifiers, *settings.shadow_classifiers}
    policy = CallPolicy(
        timeout_seconds=settings.classifier_timeout_seconds,
        retries=settings.classifier_retries,
        breaker_failures=settings.classifier_breaker_failures,
        breaker_seconds=settings.classifier_breaker_seconds,
    )
    found: list[Classifier] = []
    if "akismet" in names:
        found.append(
            AkismetClassifier(
                settings.akismet_api_key,
                settings.site_url,
                PolicyTransport("akismet", policy, base_url=settings.akismet_url),
                discard_allowed=settings.akismet_discard,
                honeypot_field=settings.honeypot_field,
            )
        )
    if "openai" in names:
        found.append(
            OpenAIModeration(
                settings.openai_base_url,
                settings.openai_api_key,
                settings.openai_model,
                PolicyTransport("openai", policy),
            )
        )
    if "perspective" in names:
        found.append(
            PerspectiveClassifier(
                settings.perspective_url,
                settings.perspective_api_key,
                PolicyTransport("perspective", policy),
            )
        )
    return tuple(found)


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


def sentence_encoder(settings: Settings) -> Encoder | None:
    """The process's sentence encoder for the built-in models' cascade, if switched on.

    Pass it to ``model_versions.current_classifiers``; its weights load on first use.
    """
    return shared_encoder() if settings.sentence_encoder else None
