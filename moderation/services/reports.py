"""Readers' reports of published comments ("Signaler"): one per comment and reader."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.errors import CommentNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.models import ReportReason
from moderation.services import events
from moderation.services.ports import Deps


def file_report(session: Session, deps: Deps, public_id: str, reason: str, reporter: str) -> bool:
    """Record a report; ``False`` when this reader had already reported the comment.

    :raises CommentNotFound: no published comment has that id.
    :raises ValidationFailed: unknown reason.
    """
    try:
        chosen = ReportReason(reason)
    except ValueError:
        raise ValidationFailed([FieldError("reason", "invalid_value")]) from None
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status != CommentStatus.APPROVED:
        raise CommentNotFound(public_id)
    existing = session.scalar(
        sa.select(Report.id).where(
            Report.comment_id == comment.id, Report.reporter_hash == reporter
        )
    )
    if existing is not None:
        return False
    now = deps.clock.now()
    try:
        # A savepoint: two simultaneous reports by one reader meet the unique constraint.
        with session.begin_nested():
            session.add(
                Report(comment_id=comment.id, reason=chosen, reporter_hash=reporter, created_at=now)
            )
    except IntegrityError:
        return False
    events.emit(
        session,
        events.EventType.COMMENT_REPORTED,
        deps=deps,
        now=now,
        comment=comment,
        payload={"reason": chosen.value},
    )
    return True
