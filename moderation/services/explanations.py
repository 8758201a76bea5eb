"""Canned explanations that go with a rejection, in French and English, edited by admins."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import RejectionExplanation
from moderation.services import audit
from moderation.services.audit import AuditAction
from moderation.services.decisions import RejectionReason

MAX_LENGTH = 1000


def all_explanations(session: Session) -> dict[RejectionReason, RejectionExplanation]:
    """Every reason's explanation (reasons without one are absent)."""
    rows = session.scalars(sa.select(RejectionExplanation)).all()
    known = {reason.value for reason in RejectionReason}
    return {RejectionReason(row.code): row for row in rows if row.code in known}


def text_for(session: Session, reason: RejectionReason, language: str) -> str:
    """The explanation of ``reason`` in ``language`` (``fr`` or ``en``), or ``""``."""
    row = session.get(RejectionExplanation, reason.value)
    if row is None:
        return ""
    return row.text_en if language == "en" else row.text_fr


def save(
    session: Session,
    reason: RejectionReason,
    *,
    text_fr: str,
    text_en: str,
    moderator_id: int,
    now: dt.datetime,
) -> RejectionExplanation:
    """:raises ValidationFailed: a text is too long."""
    errors = [
        FieldError(name, "too_long", {"max": MAX_LENGTH})
        for name, text in (("text_fr", text_fr), ("text_en", text_en))
        if len(text) > MAX_LENGTH
    ]
    if errors:
        raise ValidationFailed(errors)
    row = session.get(RejectionExplanation, reason.value)
    if row is None:
        row = RejectionExplanation(code=reason.value, updated_at=now)
        session.add(row)
    row.text_fr = text_fr.strip()
    row.text_en = text_en.strip()
    row.updated_by_id = moderator_id
    row.updated_at = now
    audit.record(
        session,
        AuditAction.EXPLANATION_CHANGED,
        now=now,
        moderator_id=moderator_id,
        details={"reason": reason.value},
    )
    session.flush()
    return row
