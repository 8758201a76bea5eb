"""The admins' edits of the word list and the block list: one entry at a time, or many as text.

The text form is one entry per line, fields separated by spaces or tabs, ``#`` starting a
comment line:

- word list: ``ACTION LANGUAGE TERM...`` (``reject fr connard``; the term may hold spaces);
- block list: ``KIND ACTION VALUE [EXPIRES]`` (``cidr spam 203.0.113.0/24 2027-01-31``).

An email typed in clear is stored as its keyed hash, like ``Comment.email_hash``; the
export writes the hash back (the address itself is never kept). An import is all or
nothing: any bad line refuses the whole text, naming the line.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import pipeline
from moderation.config import IpStorage
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import BlockRule
from moderation.models import WordListEntry
from moderation.pipeline.types import ANY_LANGUAGE
from moderation.services import audit
from moderation.services import wordlists
from moderation.services.audit import AuditAction
from moderation.services.privacy import email_hash

MAX_IMPORT_LINES = 5000
_HASH = re.compile(r"[0-9a-f]{64}")
_LANGUAGE = re.compile(r"any|[a-z]{2,3}")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who edits: the account id for the audit trail, its name for the rows' ``created_by``."""

    moderator_id: int
    name: str


def word_entries(session: Session) -> Sequence[WordListEntry]:
    """The admins' word-list entries by action, language, then term."""
    return session.scalars(
        sa.select(WordListEntry).order_by(
            WordListEntry.action, WordListEntry.language, WordListEntry.term
        )
    ).all()


def block_entries(session: Session) -> Sequence[BlockRule]:
    return session.scalars(
        sa.select(BlockRule).order_by(BlockRule.kind, BlockRule.value, BlockRule.id)
    ).all()


def add_word(
    session: Session, term: str, *, action: str, language: str, by: Actor, now: dt.datetime
) -> WordListEntry:
    """:raises ValidationFailed:"""
    language = language.strip().lower() or ANY_LANGUAGE
    if not _LANGUAGE.fullmatch(language):
        raise ValidationFailed([FieldError("language", "invalid_value")])
    if action not in {a.value for a in pipeline.WordAction}:
        raise ValidationFailed([FieldError("action", "invalid_value")])
    if not term.strip():
        raise ValidationFailed([FieldError("term", "required")])
    row = wordlists.add_word(
        session, term, action=action, language=language, article_key=None, actor=by.name, now=now
    )
    _audit_words(session, by, now, added=[_word_line(row)])
    return row


def remove_word(session: Session, entry_id: int, *, by: Actor, now: dt.datetime) -> bool:
    row = session.get(WordListEntry, entry_id)
    if row is None:
        return False
    line = _word_line(row)
    session.delete(row)
    session.flush()
    wordlists.changed(session)
    _audit_words(session, by, now, removed=[line])
    return True


def add_block(
    session: Session,
    secret_key: str,
    *,
    kind: str,
    value: str,
    action: str,
    expires_at: dt.datetime | None,
    note: str,
    by: Actor,
    now: dt.datetime,
    ip_storage: IpStorage,
) -> BlockRule:
    """:raises ValidationFailed:"""
    value = value.strip()
    if not value:
        raise ValidationFailed([FieldError("value", "required")])
    if kind == pipeline.BlockKind.EMAIL.value and not _HASH.fullmatch(value.lower()):
        if "@" not in value:
            raise ValidationFailed([FieldError("value", "invalid_email")])
        value = email_hash(secret_key, value)
    if not _usable_block(kind, value.lower(), action):
        raise ValidationFailed([FieldError("value", "invalid_value")])
    row = wordlists.add_block(
        session,
        kind,
        value,
        action=action,
        expires_at=expires_at,
        note=note,
        actor=by.name,
        now=now,
        ip_storage=ip_storage,
    )
    _audit_blocks(session, by, now, added=1)
    return row


def remove_block(session: Session, entry_id: int, *, by: Actor, now: dt.datetime) -> bool:
    row = session.get(BlockRule, entry_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _audit_blocks(session, by, now, removed=1)
    return True


def export_words(session: Session) -> str:
    lines = ["# action language term"]
    lines += [_word_line(row) for row in word_entries(session)]
    return "\n".join(lines) + "\n"


def export_blocks(session: Session) -> str:
    lines = ["# kind action value [expires]"]
    for row in block_entries(session):
        expires = f" {row.expires_at.date().isoformat()}" if row.expires_at else ""
        lines.append(f"{row.kind} {row.action} {row.value}{expires}")
    return "\n".join(lines) + "\n"


def import_words(session: Session, text: str, *, by: Actor, now: dt.datetime) -> int:
    """Add every entry of ``text`` not already listed; returns how many were added.

    :raises ValidationFailed: on the ``text`` field, naming the first bad line.
    """
    existing = {(r.action, r.language, r.term) for r in word_entries(session)}
    wanted: list[tuple[str, str, str]] = []
    for number, line in _lines(text):
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise _bad_line(number)
        action, language, term = parts[0].lower(), parts[1].lower(), parts[2].strip()
        try:
            entry = pipeline.WordEntry(term, pipeline.WordAction(action), language)
        except ValueError:
            raise _bad_line(number) from None
        if not _LANGUAGE.fullmatch(entry.language):
            raise _bad_line(number)
        key = (entry.action.value, entry.language, entry.term)
        if key not in existing:
            existing.add(key)
            wanted.append(key)
    for action, language, term in wanted:
        wordlists.add_word(
            session,
            term,
            action=action,
            language=language,
            article_key=None,
            actor=by.name,
            now=now,
        )
    if wanted:
        _audit_words(session, by, now, added=[" ".join(key) for key in wanted])
    return len(wanted)


def import_blocks(
    session: Session,
    secret_key: str,
    text: str,
    *,
    by: Actor,
    now: dt.datetime,
    ip_storage: IpStorage,
) -> int:
    """Add every entry of ``text`` not already listed; returns how many were added.

    :raises ValidationFailed: on the ``text`` field, naming the first bad line.
    """
    existing = {(r.kind, r.action, r.value) for r in block_entries(session)}
    wanted: list[tuple[int, str, str, str, dt.datetime | None]] = []
    # Every line is checked before the first is stored, so a bad line leaves nothing behind.
    for number, line in _lines(text):
        parts = line.split()
        if len(parts) not in (3, 4):
            raise _bad_line(number)
        kind, action, value = parts[0].lower(), parts[1].lower(), parts[2].lower()
        expires_at = None
        if len(parts) == 4:
            try:
                day = dt.date.fromisoformat(parts[3])
            except ValueError:
                raise _bad_line(number) from None
            expires_at = dt.datetime.combine(day, dt.time(), dt.UTC)
        if kind == pipeline.BlockKind.EMAIL.value and "@" in value:
            value = email_hash(secret_key, value)
        if not _usable_block(kind, value, action):
            raise _bad_line(number)
        if (kind, action, value) not in existing:
            existing.add((kind, action, value))
            wanted.append((number, kind, action, value, expires_at))
    # A rule the privacy setting makes useless is refused by add_block: the savepoint
    # then takes back the lines already added, and the whole import is refused.
    try:
        with session.begin_nested():
            for number, kind, action, value, expires_at in wanted:
                failed_at = number
                wordlists.add_block(
                    session,
                    kind,
                    value,
                    action=action,
                    expires_at=expires_at,
                    note="",
                    actor=by.name,
                    now=now,
                    ip_storage=ip_storage,
                )
    except ValidationFailed:
        raise _bad_line(failed_at) from None
    if wanted:
        _audit_blocks(session, by, now, added=len(wanted))
    return len(wanted)


def _usable_block(kind: str, value: str, action: str) -> bool:
    try:
        entry = pipeline.BlockEntry(kind=kind, value=value, action=action)  # type: ignore[arg-type]
    except ValueError:
        return False
    if entry.kind is pipeline.BlockKind.EMAIL:
        return bool(_HASH.fullmatch(value))
    if entry.kind is pipeline.BlockKind.EMAIL_DOMAIN:
        return "." in value and "@" not in value
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _lines(text: str) -> list[tuple[int, str]]:
    found = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if len(found) > MAX_IMPORT_LINES:
        raise ValidationFailed([FieldError("text", "too_many_lines", {"max": MAX_IMPORT_LINES})])
    return found


def _bad_line(number: int) -> ValidationFailed:
    return ValidationFailed([FieldError("text", "bad_line", {"line": number})])


def _word_line(row: WordListEntry) -> str:
    return f"{row.action} {row.language} {row.term}"


def _audit_words(
    session: Session,
    by: Actor,
    now: dt.datetime,
    *,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> None:
    # Terms are the admins' own words, not personal data: the entry names them, capped.
    audit.record(
        session,
        AuditAction.WORD_LIST_CHANGED,
        now=now,
        moderator_id=by.moderator_id,
        details={"added": list(added[:50]), "removed": list(removed[:50]), "count": len(added)},
    )


def _audit_blocks(
    session: Session, by: Actor, now: dt.datetime, *, added: int = 0, removed: int = 0
) -> None:
    # Block values may be addresses: the entry keeps only how many changed.
    audit.record(
        session,
        AuditAction.BLOCK_LIST_CHANGED,
        now=now,
        moderator_id=by.moderator_id,
        details={"added": added, "removed": removed},
    )
