"""What the admins' webhook pages show: endpoints with their health, and the delivery log.

A read model, shared by every page that shows endpoints (the webhook pages and the
queue's banner): each query here loads a whole page's worth in a fixed number of
statements, whatever the number of endpoints or attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import DeliveryStatus
from moderation.models import WebhookAttempt
from moderation.models import WebhookDelivery
from moderation.models import WebhookEndpoint
from moderation.services import webhook_delivery
from moderation.services import webhooks


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """One endpoint with its latest failed attempt (``None``: it never failed)."""

    endpoint: WebhookEndpoint
    last_failure_at: dt.datetime | None
    last_failure_error: str | None
    waiting: int
    failed: int

    @property
    def disabled_by_service(self) -> bool:
        """Turned off by the service itself (410 Gone, or days of failures)."""
        return not self.endpoint.is_active and self.endpoint.disabled_reason is not None


def endpoints(session: Session) -> list[EndpointHealth]:
    """Every endpoint, those the service turned off first, with their health."""
    rows = webhooks.list_endpoints(session)
    if not rows:
        return []
    ids = [e.id for e in rows]
    latest = (
        sa.select(
            WebhookDelivery.endpoint_id,
            sa.func.max(WebhookAttempt.id).label("attempt_id"),
        )
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookDelivery.endpoint_id.in_(ids), WebhookAttempt.error.is_not(None))
        .group_by(WebhookDelivery.endpoint_id)
        .subquery()
    )
    failures = {
        endpoint_id: (started, error)
        for endpoint_id, started, error in session.execute(
            sa.select(latest.c.endpoint_id, WebhookAttempt.started_at, WebhookAttempt.error).join(
                WebhookAttempt, WebhookAttempt.id == latest.c.attempt_id
            )
        )
    }
    counts: dict[tuple[int, DeliveryStatus], int] = {
        (endpoint_id, status): int(count)
        for endpoint_id, status, count in session.execute(
            sa.select(
                WebhookDelivery.endpoint_id,
                WebhookDelivery.status,
                sa.func.count(WebhookDelivery.id),
            )
            .where(
                WebhookDelivery.endpoint_id.in_(ids),
                WebhookDelivery.status != DeliveryStatus.DELIVERED,
            )
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
        )
    }
    return [
        EndpointHealth(
            endpoint=e,
            last_failure_at=failures.get(e.id, (None, None))[0],
            last_failure_error=failures.get(e.id, (None, None))[1],
            waiting=counts.get((e.id, DeliveryStatus.PENDING), 0),
            failed=counts.get((e.id, DeliveryStatus.FAILED), 0),
        )
        for e in rows
    ]


def endpoint(session: Session, endpoint_id: int) -> EndpointHealth:
    """One endpoint with its health. :raises WebhookNotFound:"""
    webhooks.get_endpoint(session, endpoint_id)
    return next(h for h in endpoints(session) if h.endpoint.id == endpoint_id)


def disabled_by_service(session: Session) -> Sequence[WebhookEndpoint]:
    """The endpoints the service turned off, which wait for an admin to look at them."""
    return session.scalars(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.is_active.is_(False), WebhookEndpoint.disabled_reason.is_not(None))
        .order_by(WebhookEndpoint.disabled_at.desc(), WebhookEndpoint.id)
    ).all()


@dataclass(frozen=True, slots=True)
class LoggedDelivery:
    """One delivery of the log with every attempt made, first first."""

    delivery: WebhookDelivery
    attempts: tuple[WebhookAttempt, ...]


@dataclass(frozen=True, slots=True)
class LogPage:
    deliveries: tuple[LoggedDelivery, ...]
    #: The ``before_id`` of the next (older) page, or ``None`` on the last one.
    next_before: int | None


def delivery_log(
    session: Session,
    endpoint_id: int,
    *,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 25,
) -> LogPage:
    """An endpoint's deliveries, newest first, each with its attempts.

    :raises WebhookNotFound:
    """
    rows = webhook_delivery.deliveries(
        session, endpoint_id, status=status, before_id=before_id, limit=limit + 1
    )
    shown = rows[:limit]
    by_delivery: dict[int, list[WebhookAttempt]] = {d.id: [] for d in shown}
    if shown:
        for attempt in session.scalars(
            sa.select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(by_delivery)))
            .order_by(WebhookAttempt.number, WebhookAttempt.id)
        ):
            by_delivery[attempt.delivery_id].append(attempt)
    return LogPage(
        deliveries=tuple(LoggedDelivery(d, tuple(by_delivery[d.id])) for d in shown),
        next_before=shown[-1].id if len(rows) > limit else None,
    )
