"""Periodic upkeep: publish again the outbox work nobody finished in time."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from moderation import jobs
from moderation.services import moderation
from moderation.services.ports import Deps

logger = logging.getLogger(__name__)

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
            if message.task_name == jobs.TASK_CLASSIFY_COMMENT:
                comment_id = int(message.payload["comment_id"])
                moderation.fail_check(session, deps, comment_id, message.attempts)
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
    session.flush()
    return republished
