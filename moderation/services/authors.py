"""What moderators do about a comment's author: trust them, or block them for a while.

An author is known by the keyed hash of their email (and, as the privacy setting allows,
their address or network). Trusting or blocking adds a block-list entry that the automatic
checks read from then on; blocking may also reject what the author still has waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import CommentNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import BlockRule
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import audit
from moderation.services import decisions
from moderation.services import wordlists
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps


class BlockScope(StrEnum):
    """What of the author a block covers."""

    EMAIL = "email"
    ADDRESS = "ip"
    NETWORK = "cidr"


def _comment(session: Session, public_id: str) -> Comment:
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    return comment


def _value(comment: Comment, scope: BlockScope) -> str:
    value = {
        BlockScope.EMAIL: comment.email_hash,
        BlockScope.ADDRESS: comment.ip,
        BlockScope.NETWORK: comment.ip_prefix,
    }[scope]
    if not value:
        # The privacy setting kept no address for this comment.
        raise ValidationFailed([FieldError("scope", "invalid_value")])
    return value


def _expiry(now: dt.datetime, days: int | None) -> dt.datetime | None:
    if days is None:
        return None
    if not 1 <= days <= 3650:
        raise ValidationFailed([FieldError("days", "invalid_value")])
    return now + dt.timedelta(days=days)


def trust(
    session: Session, deps: Deps, public_id: str, *, actor: decisions.Actor, days: int | None
) -> BlockRule:
    """Trust the author of a comment (by email): soft checks are skipped for them."""
    now = deps.clock.now()
    comment = _comment(session, public_id)
    rule = wordlists.add_block(
        session,
        BlockScope.EMAIL.value,
        comment.email_hash,
        action="allow",
        expires_at=_expiry(now, days),
        note=f"comment {comment.public_id}",
        actor=actor.name,
        now=now,
        ip_storage=deps.settings.ip_storage,
    )
    audit.record(
        session,
        AuditAction.AUTHOR_TRUSTED,
        now=now,
        moderator_id=actor.moderator_id,
        comment_id=comment.id,
        article_id=comment.article_id,
        details={"rule_id": rule.id, "days": days},
    )
    return rule


def block(
    session: Session,
    deps: Deps,
    public_id: str,
    *,
    actor: decisions.Actor,
    scopes: Sequence[BlockScope],
    days: int | None,
    reject_waiting: bool,
) -> list[str]:
    """Block the author of a comment; with ``reject_waiting``, reject their waiting comments.

    Returns the public ids of the comments rejected (one batch: one undo takes it back).

    :raises ValidationFailed: no scope, or an address the privacy setting did not keep.
    """
    if not scopes:
        raise ValidationFailed([FieldError("scope", "required")])
    now = deps.clock.now()
    comment = _comment(session, public_id)
    expires = _expiry(now, days)
    rule_ids = []
    for scope in dict.fromkeys(scopes):
        rule = wordlists.add_block(
            session,
            scope.value,
            _value(comment, scope),
            action="reject",
            expires_at=expires,
            note=f"comment {comment.public_id}",
            actor=actor.name,
            now=now,
            ip_storage=deps.settings.ip_storage,
        )
        rule_ids.append(rule.id)
    rejected: list[str] = []
    if reject_waiting:
        waiting = session.scalars(
            sa.select(Comment)
            .where(
                Comment.email_hash == comment.email_hash,
                Comment.status.in_([CommentStatus.PENDING, CommentStatus.HELD]),
            )
            .order_by(Comment.id)
        ).all()
        rejected = decisions.apply_bulk(
            session,
            deps,
            [c.public_id for c in waiting],
            decisions.Action.REJECT,
            actor=actor,
            rejection=decisions.Rejection(decisions.RejectionReason.OTHER),
        )
    audit.record(
        session,
        AuditAction.AUTHOR_BLOCKED,
        now=now,
        moderator_id=actor.moderator_id,
        comment_id=comment.id,
        article_id=comment.article_id,
        details={
            "rule_ids": rule_ids,
            "scopes": [s.value for s in scopes],
            "days": days,
            "rejected": len(rejected),
        },
    )
    return rejected


def reveal_email(session: Session, public_id: str, *, moderator_id: int, now: dt.datetime) -> str:
    """A comment's full email address, for a moderator; the reveal is audited.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    audit.record(
        session,
        AuditAction.EMAIL_REVEALED,
        now=now,
        moderator_id=moderator_id,
        comment_id=comment.id,
        article_id=comment.article_id,
    )
    return comment.email
