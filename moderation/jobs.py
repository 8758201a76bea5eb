"""Effects that leave only after commit: the outbox, and the one after-commit mechanism.

A change that needs work done calls :func:`enqueue_after_commit`: it writes an
:class:`OutboxMessage` row in the same transaction and, once that transaction commits, rings
the broker through a :class:`Publisher` (task names are in ``moderation.tasks``). If the
broker is down the row stays due and the sweeper (:func:`due_messages`, run by the beat
schedule) publishes it again later. A broker outage is a delay, never a loss.

Every other effect outside the database that must not be seen before the data it
describes (a read-cache invalidation) goes through :func:`after_commit` too: one list per
session, run in order once the transaction commits, dropped if it rolls back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderation.models import OutboxMessage

logger = logging.getLogger(__name__)

_AFTER_COMMIT_KEY = "moderation.jobs.after_commit"


class Publisher(Protocol):
    """Rings the broker. Must return quickly (bounded retries) and may raise."""

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None: ...


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback()`` once the session's current transaction has committed.

    Callbacks run in the order they were registered; one that raises is logged and the
    others still run (the data is committed: nothing can be undone at that point). They
    are dropped if the transaction rolls back.
    """
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


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
    session.add(message)  # written with the rest of the transaction, at the latest by commit
    after_commit(session, lambda: publisher.publish(task_name, kwargs))
    return message


def publish_later(session: Session, publisher: Publisher, message: OutboxMessage) -> None:
    """Publish an existing outbox row again once the session commits (the sweeper's way)."""
    task_name, kwargs = message.task_name, dict(message.payload)
    after_commit(session, lambda: publisher.publish(task_name, kwargs))


def mark_done(session: Session, task_name: str, key: str, now: dt.datetime) -> None:
    """Close the open outbox rows of ``task_name`` for ``key``, in the caller's transaction.

    Closing by key rather than by row id means a late or duplicate delivery can only ever
    close work about the same thing it has just handled.
    """
    mark_all_done(session, task_name, [key], now)


def mark_all_done(session: Session, task_name: str, keys: Sequence[str], now: dt.datetime) -> None:
    """:func:`mark_done` for several keys, in one statement."""
    if not keys:
        return
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.task_name == task_name,
            OutboxMessage.key.in_(keys) if len(keys) > 1 else OutboxMessage.key == keys[0],
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


def run_after_commit(session: Session) -> None:
    """Run the callbacks of a committed transaction (see :func:`after_commit`).

    Errors are logged, not raised: the transaction is already committed, and the outbox
    rows make publishing safe to miss (the sweeper publishes them again once due).
    """
    callbacks: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001 - a process edge: the outbox row is the fallback
            logger.warning("after-commit effect failed; the sweeper covers outbox work")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    run_after_commit(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Work recorded in a transaction that did not commit must never be announced.
    session.info.pop(_AFTER_COMMIT_KEY, None)
