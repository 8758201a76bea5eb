"""The audit trail of what people did besides changing a comment's status.

Status changes are logged by ``services.decisions``; everything else a person does that an
editor may later need to account for (signing in, revealing an email, changing accounts,
trusting or blocking an author, editing a note, registering or changing a webhook
endpoint, putting a model version in force) is one :class:`AuditEntry` here, written
in the same transaction as the act itself. Entries carry ids and codes, never an email,
an address or a password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import AuditEntry


class AuditAction(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_LOCKED = "sign_in_locked"
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action name, not a secret
    SESSIONS_ENDED = "sessions_ended"
    MODERATOR_INVITED = "moderator_invited"
    INVITATION_ACCEPTED = "invitation_accepted"
    ROLE_CHANGED = "role_changed"
    MODERATOR_DEACTIVATED = "moderator_deactivated"
    MODERATOR_REACTIVATED = "moderator_reactivated"
    EMAIL_REVEALED = "email_revealed"
    REPORTS_DISMISSED = "reports_dismissed"
    AUTHOR_TRUSTED = "author_trusted"
    AUTHOR_BLOCKED = "author_blocked"
    ARTICLE_NOTE_CHANGED = "article_note_changed"
    ARTICLE_DETAILS_CHANGED = "article_details_changed"
    EXPLANATION_CHANGED = "explanation_changed"
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated"  # noqa: S105 - an action name
    WEBHOOK_DELETED = "webhook_deleted"
    WEBHOOK_ENABLED = "webhook_enabled"
    WEBHOOK_DISABLED = "webhook_disabled"
    # Admin pages: settings, articles, lists.
    SETTINGS_CHANGED = "settings_changed"
    ARTICLE_CHANGED = "article_changed"
    WORD_LIST_CHANGED = "word_list_changed"
    BLOCK_LIST_CHANGED = "block_list_changed"
    # The models page: which built-in model version is in force.
    MODEL_ACTIVATED = "model_activated"
    MODEL_ROLLED_BACK = "model_rolled_back"


def record(
    session: Session,
    action: AuditAction,
    *,
    now: dt.datetime,
    moderator_id: int | None,
    comment_id: int | None = None,
    article_id: int | None = None,
    subject_moderator_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction."""
    entry = AuditEntry(
        action=action.value,
        moderator_id=moderator_id,
        comment_id=comment_id,
        article_id=article_id,
        subject_moderator_id=subject_moderator_id,
        details=details or {},
        created_at=now,
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    actions: Sequence[AuditAction] = (),
    comment_id: int | None = None,
    moderator_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Sequence[AuditEntry]:
    """Entries newest first, optionally of some actions, one comment or one person."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actions:
        query = query.where(AuditEntry.action.in_([a.value for a in actions]))
    if comment_id is not None:
        query = query.where(AuditEntry.comment_id == comment_id)
    if moderator_id is not None:
        query = query.where(AuditEntry.moderator_id == moderator_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return session.scalars(query).all()
