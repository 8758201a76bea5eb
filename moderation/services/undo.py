"""Undo: a moderator takes back their last action, every comment of it at once.

A moderator's action (one click, a bulk selection, a campaign) is one batch of decisions;
undoing it is a new batch in the log, so the history keeps both the slip and its repair.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.services import decisions
from moderation.services.ports import Deps

#: How far back "undo" reaches: the last action of the last half hour.
UNDO_WINDOW = dt.timedelta(minutes=30)
_REVERSE = {
    CommentStatus.APPROVED: decisions.Action.APPROVE,
    CommentStatus.HELD: decisions.Action.HOLD,
    CommentStatus.REJECTED: decisions.Action.REJECT,
    CommentStatus.SPAM: decisions.Action.SPAM,
}


def undo_last(session: Session, deps: Deps, actor: decisions.Actor) -> list[str]:
    """Revert the moderator's last action (every comment of its batch); returns the ids.

    Each comment goes back to the status it had, or to ``held`` if it was pending (nothing
    returns to pending), provided nobody moved it since. The undo is itself logged, as a
    decision of its own, and is never undone in turn by a second call.
    """
    if actor.moderator_id is None:
        return []
    since = deps.clock.now() - UNDO_WINDOW
    recent = session.scalars(
        sa.select(ModerationDecision)
        .where(
            ModerationDecision.moderator_id == actor.moderator_id,
            ModerationDecision.batch_id.is_not(None),
            ModerationDecision.created_at >= since,
        )
        .order_by(ModerationDecision.id.desc())
        .limit(500)
    ).all()
    undone = {
        str(reason.get("params", {}).get("undoes"))
        for entry in recent
        for reason in entry.reasons or []
        if reason.get("code") == "undo"
    }
    last = next(
        (
            entry.batch_id
            for entry in recent
            if entry.batch_id not in undone
            and not any(r.get("code") == "undo" for r in entry.reasons or [])
        ),
        None,
    )
    if last is None:
        return []
    batch_id = decisions.new_batch()
    reverted = []
    for entry in sorted((e for e in recent if e.batch_id == last), key=lambda e: e.id):
        comment = session.get(Comment, entry.comment_id)
        if comment is None or comment.status is not entry.to_status:
            continue
        back = entry.from_status if entry.from_status in _REVERSE else CommentStatus.HELD
        decisions.moderate_comment(
            session,
            deps,
            comment,
            _REVERSE[back],
            actor=actor,
            note=None,
            batch_id=batch_id,
            code="undo",
            extra={"undoes": last},
        )
        reverted.append(comment.public_id)
    return reverted
