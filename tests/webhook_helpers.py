"""Builders for the webhook tests: an app with a frozen clock, endpoints, comments, and
running the webhook task bodies in-process as a worker would (commit once at the end)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.config import Settings
from moderation.db import db
from moderation.models import DeliveryStatus
from moderation.models import WebhookDelivery
from moderation.models import WebhookFormat
from moderation.services import comments
from moderation.services import webhooks
from moderation.services.ports import Deps
from moderation.validation import CommentDraft
from tests.backends import Backend
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import add_article
from workers import webhooks as webhook_tasks

LOOPBACK = ("127.0.0.1/32",)


class Recording:
    """A publisher that remembers what it was asked to publish, and can be made to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.broken = False

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        if self.broken:
            raise ConnectionError("broker down")
        self.sent.append((task_name, kwargs))

    def deliveries(self) -> list[int]:
        return [k["delivery_id"] for name, k in self.sent if name == tasks.TASK_DELIVER_WEBHOOK]


@dataclass
class Rig:
    app: Flask
    deps: Deps
    publisher: Recording
    clock: FrozenClock

    def endpoint(self, url: str, **fields: Any) -> tuple[int, str]:
        """Register an endpoint (committed); returns its id and secret."""
        data = {"url": url, **fields}
        if isinstance(data.get("format"), WebhookFormat):
            data["format"] = data["format"].value
        endpoint, secret = webhooks.create_endpoint(
            db.session, self.deps, webhooks.parse_fields(data, creating=True)
        )
        db.session.commit()
        return endpoint.id, secret

    def comment(self, body: str = "Merci pour cet article très clair.", **draft: Any) -> str:
        values = {"author_name": "Camille Dupont", "email": "camille@example.org", **draft}
        comment = comments.submit_comment(
            db.session,
            self.deps,
            CommentDraft(body=body, **values),
            article_key="a1",
            # A reader who took a minute to write (a form token came with the post).
            client=comments.ClientInfo(elapsed_seconds=60.0),
        )
        db.session.commit()
        return comment.public_id

    def run(self, func: Any, *args: Any) -> Any:
        """A task body, committed once at the end as ``AppContextTask`` does."""
        try:
            result = func(*args)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result

    def deliver(self, delivery_id: int) -> str | None:
        return self.run(webhook_tasks.deliver_webhook, delivery_id)  # type: ignore[no-any-return]

    def deliver_due(self) -> list[str | None]:
        """What the sweeper and a worker would do now: every due delivery, once."""
        self.publisher.sent.clear()
        self.run(webhook_tasks.sweep_webhooks)
        return [self.deliver(i) for i in self.publisher.deliveries()]

    def deliveries(self, **where: Any) -> list[WebhookDelivery]:
        db.session.expire_all()
        query = sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
        for name, value in where.items():
            query = query.where(getattr(WebhookDelivery, name) == value)
        return list(db.session.scalars(query))


def make_rig(settings: Settings, backend: Backend, **overrides: Any) -> Iterator[Rig]:
    clock = FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    publisher = Recording()
    settings = settings.replace(webhook_allowed_networks=LOOPBACK, **overrides)
    app = build_app(settings, clock=clock, publisher=publisher)
    add_article(app)
    with app.app_context():
        yield Rig(app, app.extensions["moderation.deps"], publisher, clock)
        db.session.remove()
    _clean(app, backend)


@pytest.fixture
def rig(settings: Settings, backend: Backend) -> Iterator[Rig]:
    """An app whose clock starts at the wall clock's second and then moves only by hand
    (signatures stay verifiable as sent); 127.0.0.1 allow-listed for the receivers."""
    yield from make_rig(settings, backend)


def body_of(received: Any) -> dict[str, Any]:
    return json.loads(received.body)  # type: ignore[no-any-return]


def pending(rig: Rig) -> list[WebhookDelivery]:
    return rig.deliveries(status=DeliveryStatus.PENDING)
