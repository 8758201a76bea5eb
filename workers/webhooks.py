"""The webhook tasks: send one delivery's next attempt, and publish the due ones."""

from __future__ import annotations

import time
from typing import Any

from celery import Celery
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.services import webhook_delivery
from moderation.services.ports import Deps
from moderation.wording import SiteWording


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


#: How long one task goes on with the same endpoint's next deliveries before handing
#: them on to the queue: back to back is faster than a broker round trip each, and
#: bounded so that one busy endpoint does not keep a task for ever.
DRAIN_SECONDS = 10.0


def deliver_webhook(delivery_id: int) -> str | None:
    """Attempt a due delivery; then the endpoint's next ones, for up to DRAIN_SECONDS.

    A delivery not due, or already taken, is left alone.
    """
    deps = _deps()
    session = db.session()
    wording = SiteWording(deps.settings.default_locale)
    stop_at = time.monotonic() + DRAIN_SECONDS
    claimed = webhook_delivery.claim(session, deps, int(delivery_id))
    status = None
    while claimed is not None:
        # Commit the lease before the network call: no transaction stays open while a
        # receiver takes its time, and no other worker can take the same attempt.
        db.session.commit()
        status = webhook_delivery.attempt(session, deps, claimed, wording).value
        following = webhook_delivery.next_due(session, deps, claimed.endpoint_id)
        if following is None:
            break
        if time.monotonic() >= stop_at:
            webhook_delivery.hand_on(session, deps, following)
            break
        db.session.commit()
        claimed = webhook_delivery.claim(session, deps, following)
    return status


def sweep_webhooks() -> int:
    """Publish the due deliveries (retries, and those a broker outage left behind)."""
    return webhook_delivery.publish_due(db.session(), _deps())


def register(app: Celery[Any]) -> None:
    settings = app.flask_app.extensions["moderation.settings"]  # type: ignore[attr-defined]
    total = settings.webhook_timeout_seconds
    app.task(
        name=tasks.TASK_DELIVER_WEBHOOK,
        acks_late=True,
        # The drain, then one last attempt within the transport's own deadline; the lease
        # of each attempt (total + 10 s) is renewed by its claim.
        soft_time_limit=DRAIN_SECONDS + total + 3,
        time_limit=DRAIN_SECONDS + total + 6,
        # Only the database may fail here: the receiver's failures are attempts, which
        # the schedule in the delivery row retries.
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=3,
    )(deliver_webhook)
    app.task(
        name=tasks.TASK_SWEEP_WEBHOOKS,
        acks_late=True,
        soft_time_limit=60,
        time_limit=90,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=3,
    )(sweep_webhooks)
