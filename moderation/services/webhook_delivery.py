"""Sending webhook deliveries: lease, attempt, retry schedule, sweeper, redelivery.

The schedule lives in the delivery row, never in broker countdowns: a failed attempt sets
``next_attempt_at`` from :data:`RETRY_SCHEDULE` (with jitter, and no sooner than a 429 or
503 answer's ``Retry-After``), and the sweeper publishes every due delivery. A broker
outage or a worker killed mid-attempt is therefore a delay, never a loss.

An attempt is claimed first, by a compare-and-set that sets a lease (``claimed_until``)
and is committed before the network call: two tasks for one delivery (a doorbell and the
sweeper, a duplicate message) send it once, and no transaction stays open while a
receiver takes its time. A lease that runs out without a result (the worker died) counts
as a failed attempt. ``webhook-id`` is the delivery's ``message_id`` on every attempt.

At most ``MODERATION_WEBHOOK_MAX_IN_FLIGHT`` attempts per endpoint are in flight at once
(one by default: an endpoint's messages go one at a time, in order): a slow receiver
holds that many workers at most, however many events it is sent, and the others keep
theirs. A worker whose attempt ended goes on with the endpoint's next due delivery
(:func:`next_due`) for a while, then hands it on to the queue (:func:`hand_on`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.errors import WebhookNotFound
from moderation.models import DeliveryStatus
from moderation.models import WebhookAttempt
from moderation.models import WebhookDelivery
from moderation.models import WebhookEndpoint
from moderation.models import WebhookFormat
from moderation.services import webhook_messages
from moderation.services import webhooks
from moderation.services.ports import Deps
from moderation.services.ports import WebhookOutcome

logger = logging.getLogger(__name__)

#: The specification's example: the delay before attempt n+1 after n failures (about three
#: days in all). The first attempt is immediate.
RETRY_SCHEDULE = tuple(
    dt.timedelta(seconds=s) for s in (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
)
#: Each delay is moved by up to this share either way, so that receivers coming back from
#: an outage are not hit by every retry at the same second.
JITTER = 0.1
#: The longest ``Retry-After`` honoured.
MAX_RETRY_AFTER = dt.timedelta(hours=24)
EXCERPT_CHARS = 2048
SUCCESS_PRECISION = dt.timedelta(minutes=1)
_random = secrets.SystemRandom()


def retry_delay(
    failures: int, retry_after: float | None = None, jitter: float | None = None
) -> dt.timedelta | None:
    """The wait before the next attempt after ``failures`` failed ones; ``None``: give up.

    ``jitter`` in [0, 1) picks the point in the jitter band (random if omitted).
    """
    if failures >= len(RETRY_SCHEDULE):
        return None
    position = _random.random() if jitter is None else jitter
    delay = RETRY_SCHEDULE[failures] * (1 + JITTER * (2 * position - 1))
    if retry_after is not None:
        # Never sooner than the receiver asked, never faster than the schedule.
        delay = max(delay, min(dt.timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay


def lease(deps: Deps) -> dt.timedelta:
    """How long an attempt may take before another worker may try again."""
    return dt.timedelta(seconds=deps.settings.webhook_timeout_seconds + 10)


@dataclass(frozen=True, slots=True)
class Claim:
    """An attempt a worker has taken: everything it needs to send without the database."""

    delivery_id: int
    endpoint_id: int
    number: int
    message_id: str
    url: str
    format: WebhookFormat
    payload: dict[str, Any]
    secrets: tuple[str, ...]


def claim(session: Session, deps: Deps, delivery_id: int) -> Claim | None:
    """Take the next attempt of a due delivery; ``None`` if there is nothing to send.

    The caller commits before sending (see the module docstring).
    """
    now = deps.clock.now()
    delivery = session.get(WebhookDelivery, delivery_id)
    if (
        delivery is None
        or delivery.status is not DeliveryStatus.PENDING
        or delivery.next_attempt_at is None
        or delivery.next_attempt_at > now
        or (delivery.claimed_until is not None and delivery.claimed_until > now)
    ):
        return None
    cap = deps.settings.webhook_max_in_flight
    if _in_flight(session, delivery.endpoint_id, now) >= cap:
        # A busy endpoint, the common refusal: read-only, no lock taken, so a burst of
        # tasks for one endpoint does not slow its worker down. The worker in flight takes
        # this delivery next (``next_due``); the sweeper covers a worker that died.
        return None
    # The endpoint's row is locked while its attempts in flight are counted again, so the
    # cap holds even when several workers claim for one endpoint at the same moment.
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    assert endpoint is not None  # the foreign key cascades deletes
    if not endpoint.is_active and delivery.event_type != webhooks.TEST_EVENT:
        _finish(delivery, DeliveryStatus.FAILED, now, error="endpoint_disabled")
        session.flush()
        return None
    if _in_flight(session, endpoint.id, now) >= cap:
        return None
    previous = delivery.attempts
    result = session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.attempts == previous,
        )
        .values(attempts=previous + 1, claimed_until=now + lease(deps))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult on UPDATE
        return None  # another worker took it first
    lost_lease = delivery.claimed_until
    # The row now holds these values: keep the loaded object in step without reading back.
    set_committed_value(delivery, "attempts", previous + 1)
    set_committed_value(delivery, "claimed_until", now + lease(deps))
    if lost_lease is not None:
        # The previous attempt's lease ran out without a result: its worker died.
        _log(session, delivery.id, previous, lost_lease - lease(deps), None, "no_result")
        delivery.failures += 1
        if delivery.failures >= len(RETRY_SCHEDULE):
            _finish(delivery, DeliveryStatus.FAILED, now, error="no_result")
            session.flush()
            return None
    session.flush()
    return Claim(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        number=previous + 1,
        message_id=delivery.message_id,
        url=endpoint.url,
        format=endpoint.format,
        payload=dict(delivery.payload),
        secrets=webhooks.signing_secrets(endpoint, now),
    )


def attempt(
    session: Session, deps: Deps, claimed: Claim, wording: webhook_messages.Wording
) -> DeliveryStatus:
    """Send a claimed attempt and record what came of it, in the caller's transaction."""
    body = webhook_messages.render(claimed.payload, claimed.format, wording)
    started = deps.clock.now()
    outcome = deps.webhook_sender.send(
        claimed.url,
        body,
        message_id=claimed.message_id,
        timestamp=started,
        secrets=claimed.secrets,
    )
    return record(session, deps, claimed, outcome, started)


def _error_of(outcome: WebhookOutcome) -> str | None:
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        return None
    if code is not None and 300 <= code < 400:
        return "redirect_not_followed"
    if code is not None:
        return f"http_{code}"
    return outcome.error or "no_answer"


def record(
    session: Session,
    deps: Deps,
    claimed: Claim,
    outcome: WebhookOutcome,
    started: dt.datetime,
) -> DeliveryStatus:
    """Log the attempt and move the delivery on: delivered, retried later, or failed."""
    now = deps.clock.now()
    error = _error_of(outcome)
    _log(
        session,
        claimed.delivery_id,
        claimed.number,
        started,
        outcome,
        error or outcome.error,
    )
    delivery = session.get(WebhookDelivery, claimed.delivery_id)
    if (
        delivery is None
        or delivery.status is not DeliveryStatus.PENDING
        or delivery.attempts != claimed.number
    ):
        # A later claim took over (this attempt outlived its lease): it decides.
        session.flush()
        return delivery.status if delivery is not None else DeliveryStatus.FAILED
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = error
    delivery.claimed_until = None
    if error is None:
        _finish(delivery, DeliveryStatus.DELIVERED, now)
        delivery.delivered_at = now
        last = endpoint.last_success_at
        if endpoint.failing_since is not None or last is None or now - last >= SUCCESS_PRECISION:
            # A busy endpoint's row is not rewritten at every success: to the minute is
            # precise enough for "last success", and spares a row lock per delivery.
            endpoint.last_success_at = now
            endpoint.failing_since = None
    elif outcome.status_code == 410:
        # 410 Gone: the receiver says it will never want these again.
        _finish(delivery, DeliveryStatus.FAILED, now, error=error)
        _disable(session, endpoint, "gone", now)
    else:
        delivery.failures += 1
        retry_after = outcome.retry_after_seconds if outcome.status_code in (429, 503) else None
        delay = retry_delay(delivery.failures, retry_after)
        if delay is None:
            _finish(delivery, DeliveryStatus.FAILED, now, error=error)
        else:
            delivery.next_attempt_at = now + delay
            delivery.published_at = None  # the sweeper publishes it when due
        if endpoint.failing_since is None:
            endpoint.failing_since = now
        elif now - endpoint.failing_since >= dt.timedelta(
            days=deps.settings.webhook_disable_after_days
        ):
            _disable(session, endpoint, "failing", now)
    session.flush()
    logger.info(
        "webhook attempt delivery_id=%s attempt=%s status=%s error=%s outcome=%s",
        delivery.id,
        claimed.number,
        outcome.status_code,
        error,
        delivery.status.value,
    )
    return delivery.status


def _log(
    session: Session,
    delivery_id: int,
    number: int,
    started: dt.datetime,
    outcome: WebhookOutcome | None,
    error: str | None,
) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            number=number,
            started_at=started,
            status_code=outcome.status_code if outcome else None,
            latency_ms=outcome.latency_ms if outcome else 0,
            error=error,
            response_excerpt=outcome.excerpt[:EXCERPT_CHARS] if outcome else "",
        )
    )


def _finish(
    delivery: WebhookDelivery, status: DeliveryStatus, now: dt.datetime, *, error: str | None = None
) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None
    delivery.claimed_until = None
    if error is not None:
        delivery.last_error = error


def _disable(session: Session, endpoint: WebhookEndpoint, reason: str, now: dt.datetime) -> None:
    if endpoint.is_active:
        webhooks.fail_queued(session, endpoint.id, now)
        endpoint.is_active = False
        endpoint.disabled_reason = reason
        endpoint.disabled_at = now
        logger.warning("webhook endpoint disabled endpoint_id=%s reason=%s", endpoint.id, reason)


def _in_flight(session: Session, endpoint_id: int, now: dt.datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(WebhookDelivery.id)).where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.claimed_until > now,
            )
        )
        or 0
    )


def next_due(session: Session, deps: Deps, endpoint_id: int) -> int | None:
    """The endpoint's next due delivery nobody holds, once one of its attempts ended.

    Even one whose own task may still be queued: a claim refused for want of a slot can
    race with the attempt that just ended, and a lost turn would wait for the sweeper.
    Taking it twice is harmless (the claim lets one through).
    """
    now = deps.clock.now()
    return session.scalar(
        sa.select(WebhookDelivery.id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
    )


def hand_on(session: Session, deps: Deps, delivery_id: int) -> None:
    """Publish a task for ``delivery_id`` once the session commits."""
    session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(published_at=deps.clock.now())
        .execution_options(synchronize_session=False)
    )
    webhooks.publish_after_commit(session, deps, delivery_id)


def publish_due(session: Session, deps: Deps, limit: int = 500) -> int:
    """The sweeper: publish every due delivery no worker holds or was recently told of.

    Also removes the finished deliveries older than the log's retention. Returns how many
    deliveries were published.
    """
    now = deps.clock.now()
    stale = now - dt.timedelta(seconds=deps.settings.outbox_stale_seconds)
    due = session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
            sa.or_(WebhookDelivery.published_at.is_(None), WebhookDelivery.published_at <= stale),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    # No more per endpoint than its free attempt slots: the rest waits for its turn.
    free: dict[int, int] = {}
    chosen = []
    for delivery_id, endpoint_id in due:
        if endpoint_id not in free:
            free[endpoint_id] = deps.settings.webhook_max_in_flight - _in_flight(
                session, endpoint_id, now
            )
        if free[endpoint_id] > 0:
            free[endpoint_id] -= 1
            chosen.append(delivery_id)
    if chosen:
        session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(chosen))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )
        for delivery_id in chosen:
            webhooks.publish_after_commit(session, deps, delivery_id)
    horizon = now - dt.timedelta(days=deps.settings.webhook_log_days)
    session.execute(
        sa.delete(WebhookDelivery)
        .where(WebhookDelivery.finished_at < horizon)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(chosen)


def redeliver(session: Session, deps: Deps, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again from the start of the schedule, with the same webhook-id.

    A delivery waiting for a retry is sent now; one whose attempt is in flight is left
    as it is.

    :raises WebhookNotFound:
    :raises ValidationFailed: its endpoint is turned off.
    """
    delivery = get_delivery(session, delivery_id)
    if delivery.claimed_until is not None and delivery.claimed_until > deps.clock.now():
        return delivery
    _restart(session, deps, delivery)
    session.flush()
    return delivery


def redeliver_failed(session: Session, deps: Deps, endpoint_id: int, since: dt.datetime) -> int:
    """Send again every failed delivery of an endpoint created since ``since``.

    :raises WebhookNotFound:
    :raises ValidationFailed: the endpoint is turned off.
    """
    endpoint = webhooks.get_endpoint(session, endpoint_id)
    _require_active(endpoint)
    failed = session.scalars(
        sa.select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.FAILED,
            WebhookDelivery.created_at >= since,
        )
    ).all()
    for delivery in failed:
        _restart(session, deps, delivery)
    session.flush()
    return len(failed)


def _require_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        raise ValidationFailed([FieldError("is_active", "endpoint_disabled")])


def _restart(session: Session, deps: Deps, delivery: WebhookDelivery) -> None:
    endpoint = webhooks.get_endpoint(session, delivery.endpoint_id)
    if delivery.event_type != webhooks.TEST_EVENT:
        _require_active(endpoint)
    now = deps.clock.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.failures = 0
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    delivery.published_at = now
    delivery.finished_at = None
    webhooks.publish_after_commit(session, deps, delivery.id)


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise WebhookNotFound(f"delivery {delivery_id}")
    return delivery


def deliveries(
    session: Session,
    endpoint_id: int,
    *,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Sequence[WebhookDelivery]:
    """An endpoint's delivery log, newest first (``before_id`` pages back).

    :raises WebhookNotFound:
    """
    webhooks.get_endpoint(session, endpoint_id)
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def attempts_of(session: Session, delivery_id: int) -> Sequence[WebhookAttempt]:
    """Every attempt of a delivery, first first."""
    return session.scalars(
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.number, WebhookAttempt.id)
    ).all()
