"""Periodic upkeep: publish again the outbox work nobody finished in time."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from moderation import jobs
from moderation import tasks
from moderation.services import checks
from moderation.services import intake_ledger
from moderation.services.ports import Deps

logger = logging.getLogger(__name__)


def _abandon_check(session: Session, deps: Deps, payload: dict[str, Any], attempts: int) -> None:
    checks.fail_check(session, deps, int(payload["comment_id"]), attempts)


#: What to do when a task is given up on, by task name (nothing, for the others).
ON_ABANDON: dict[str, Callable[[Session, Deps, dict[str, Any], int], None]] = {
    tasks.TASK_CLASSIFY_COMMENT: _abandon_check,
}

#: Longest wait between two publications of the same unfinished message.
MAX_REPUBLISH_DELAY = dt.timedelta(minutes=10)


def sweep_outbox(session: Session, deps: Deps, limit: int = 500) -> int:
    """Publish again every due outbox message; give up on those out of attempts.

    A check that has failed ``outbox_max_attempts`` times leaves its comment ``held`` for
    a moderator (never approved). Returns the number of messages published again.
    """
    settings = deps.settings
    now = deps.clock.now()
    base = dt.timedelta(seconds=settings.outbox_stale_seconds)
    republished = 0
    for message in jobs.due_messages(session, now, limit):
        if message.attempts >= settings.outbox_max_attempts:
            handler = ON_ABANDON.get(message.task_name)
            if handler is not None:
                handler(session, deps, dict(message.payload), message.attempts)
            message.done_at = now
            logger.warning(
                "outbox message abandoned task=%s outbox_id=%s attempts=%s",
                message.task_name,
                message.id,
                message.attempts,
            )
            continue
        message.attempts += 1
        message.published_at = now
        message.available_at = now + jobs.retry_delay(message.attempts, base, MAX_REPUBLISH_DELAY)
        jobs.publish_later(session, deps.publisher, message)
        republished += 1
    # Spent single-use tokens are kept only until they expire: one indexed delete.
    intake_ledger.purge_expired(session, now)
    session.flush()
    return republished
