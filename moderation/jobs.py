"""Work for the workers: task names, the outbox, and publishing after commit.

The web side and the workers share only the task *names* below. A change that needs work
done calls :func:`enqueue_after_commit`: it writes an :class:`OutboxMessage` row in the
same transaction and, once that transaction commits, rings the broker through a
:class:`Publisher`. If the broker is down the row stays due and the sweeper
(:func:`due_messages`, run by the beat schedule) publishes it again later. A broker outage
is a delay, never a loss.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderation.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_CLASSIFY_COMMENT = "moderation.classify_comment"
TASK_SWEEP_OUTBOX = "moderation.sweep_outbox"

#: Every task the workers must register; a contract test checks both sides agree.
TASK_NAMES = frozenset({TASK_CLASSIFY_COMMENT, TASK_SWEEP_OUTBOX})

#: Queue per family of work, so slow notifications can never starve the checks.
QUEUE_CHECKS = "checks"
QUEUE_MAINTENANCE = "maintenance"
TASK_QUEUES = {TASK_CLASSIFY_COMMENT: QUEUE_CHECKS, TASK_SWEEP_OUTBOX: QUEUE_MAINTENANCE}

_PENDING_KEY = "moderation.jobs.pending"


class Publisher(Protocol):
    """Rings the broker. Must return quickly (bounded retries) and may raise."""

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class _Pending:
    publisher: Publisher
    task_name: str
    kwargs: dict[str, Any]


def enqueue_after_commit(
    session: Session,
    publisher: Publisher,
    task_name: str,
    kwargs: dict[str, Any],
    *,
    key: str,
    now: dt.datetime,
    stale_after: dt.timedelta,
) -> OutboxMessage:
    """Record ``task_name(**kwargs)`` in the outbox; publish it once the session commits.

    ``key`` names what the work is about (``comment:42``): the task closes the rows of its
    key in the same transaction as its result (:func:`mark_done`).
    """
    message = OutboxMessage(
        task_name=task_name,
        key=key,
        payload=kwargs,
        attempts=1,
        created_at=now,
        available_at=now + stale_after,
    )
    session.add(message)
    session.flush()
    session.info.setdefault(_PENDING_KEY, []).append(_Pending(publisher, task_name, kwargs))
    return message


def publish_later(session: Session, publisher: Publisher, message: OutboxMessage) -> None:
    """Publish an existing outbox row again once the session commits (the sweeper's way)."""
    session.info.setdefault(_PENDING_KEY, []).append(
        _Pending(publisher, message.task_name, dict(message.payload))
    )


def mark_done(session: Session, task_name: str, key: str, now: dt.datetime) -> None:
    """Close the open outbox rows of ``task_name`` for ``key``, in the caller's transaction.

    Closing by key rather than by row id means a late or duplicate delivery can only ever
    close work about the same thing it has just handled.
    """
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.task_name == task_name,
            OutboxMessage.key == key,
            OutboxMessage.done_at.is_(None),
        )
        .values(done_at=now)
    )


def due_messages(session: Session, now: dt.datetime, limit: int = 500) -> Sequence[OutboxMessage]:
    """Outbox rows nobody finished in time, locked so that two sweepers never share one."""
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.done_at.is_(None), OutboxMessage.available_at <= now)
        .order_by(OutboxMessage.available_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).all()


def retry_delay(attempts: int, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential backoff between republications: base, 2*base, 4*base ... up to cap."""
    factor = 1 << max(0, min(attempts - 1, 16))
    return min(base * factor, cap)


def publish_pending(session: Session) -> None:
    """Ring the broker for every message of a committed transaction.

    Errors are logged, not raised: the transaction is already committed and the sweeper
    will publish the rows again once they are due.
    """
    pending: list[_Pending] = session.info.pop(_PENDING_KEY, [])
    for item in pending:
        try:
            item.publisher.publish(item.task_name, item.kwargs)
        except Exception:  # noqa: BLE001 - a process edge: the outbox row is the fallback
            logger.warning(
                "publish failed; the sweeper will retry task=%s", item.task_name, exc_info=True
            )


def _discard_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    publish_pending(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Work recorded in a transaction that did not commit must never be announced.
    _discard_pending(session)
