"""Events: what happened, recorded in the same transaction as the change that caused it.

``comment.created``, ``comment.approved`` ... ``article.surge``: one row each, naming the
comment, the article and the moderator (``None``: the system). Rows are the durable truth
the newsroom's systems are told about (webhook deliveries are made from them), so an event
exists if and only if its change was committed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Event
from moderation.services.ports import Deps


class EventType(StrEnum):
    COMMENT_CREATED = "comment.created"
    COMMENT_APPROVED = "comment.approved"
    COMMENT_HELD = "comment.held"
    COMMENT_REJECTED = "comment.rejected"
    COMMENT_SPAM = "comment.spam"
    COMMENT_REPORTED = "comment.reported"
    COMMENT_DELETED = "comment.deleted"
    ARTICLE_CLOSED = "article.closed"
    ARTICLE_SURGE = "article.surge"
    ARTICLE_SURGE_ENDED = "article.surge_ended"


#: The event a comment's new status announces (``pending`` announces nothing).
STATUS_EVENTS: dict[CommentStatus, EventType] = {
    CommentStatus.APPROVED: EventType.COMMENT_APPROVED,
    CommentStatus.HELD: EventType.COMMENT_HELD,
    CommentStatus.REJECTED: EventType.COMMENT_REJECTED,
    CommentStatus.SPAM: EventType.COMMENT_SPAM,
    CommentStatus.DELETED: EventType.COMMENT_DELETED,
}


def emit(
    session: Session,
    type_: EventType,
    *,
    deps: Deps,
    now: dt.datetime,
    comment: Comment | None = None,
    article_id: int | None = None,
    moderator_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Record one event, and its webhook deliveries, in the caller's transaction."""
    # Imported here: the webhook service reads the event types defined in this module.
    from moderation.services import webhooks

    event = Event(
        type=type_.value,
        comment_id=comment.id if comment is not None else None,
        article_id=article_id if article_id is not None else (comment and comment.article_id),
        moderator_id=moderator_id,
        payload=payload or {},
        created_at=now,
    )
    session.add(event)
    webhooks.fan_out(session, deps, event, comment)
    return event
