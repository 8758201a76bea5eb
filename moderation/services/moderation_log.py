"""The moderation log as people read it: decisions and audited acts, filtered, newest first.

Two sources, one shape: the append-only decision log (every status change, by the rules,
the classifiers, the system or a moderator) and the audit entries (revealed emails, author
actions, settings and list changes...). Each page is one indexed query keyed by id; a
comment's history merges both sources in time order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from moderation.models import Article
from moderation.models import AuditEntry
from moderation.models import Comment
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.models import Moderator


class LogKind(StrEnum):
    DECISIONS = "decisions"
    ACTIONS = "actions"


class Who(StrEnum):
    ANYONE = ""
    PEOPLE = "people"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class LogFilter:
    kind: LogKind = LogKind.DECISIONS
    who: Who = Who.ANYONE
    moderator_id: int | None = None
    #: A decision's new status, or an audit action.
    action: str = ""
    comment: str = ""  # a comment's public id
    article: str = ""  # an article key
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at: dt.datetime
    kind: LogKind
    #: The new status of a decision, or the audit action.
    action: str
    source: str
    moderator_name: str | None
    actor: str
    comment_public_id: str | None
    comment_author: str | None
    article_key: str | None
    article_title: str | None
    from_status: str | None = None
    reasons: tuple[dict[str, Any], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    next_before: int | None


def page(
    session: Session, filters: LogFilter, *, before_id: int | None = None, limit: int = 50
) -> LogPage:
    """One page of the log, newest first, ``before_id`` continuing a previous page."""
    if filters.kind is LogKind.ACTIONS:
        found = _actions(session, filters, before_id, limit + 1, None)
    else:
        found = _decisions(session, filters, before_id, limit + 1, None)
    more = len(found) > limit
    found = found[:limit]
    return LogPage(tuple(found), found[-1].id if more and found else None)


def comment_history(session: Session, comment_id: int) -> list[LogEntry]:
    """Everything that happened to one comment, oldest first."""
    everything = LogFilter()
    entries = _decisions(session, everything, None, 500, comment_id)
    entries += _actions(session, everything, None, 500, comment_id)
    return sorted(entries, key=lambda e: (e.at, e.kind != LogKind.DECISIONS, e.id))


def _decisions(
    session: Session,
    filters: LogFilter,
    before_id: int | None,
    limit: int,
    comment_id: int | None,
) -> list[LogEntry]:
    d = ModerationDecision
    query = (
        sa.select(d, Comment.public_id, Comment.author_name, Article.key, Article.title)
        .join(Comment, Comment.id == d.comment_id)
        .join(Article, Article.id == Comment.article_id)
        .order_by(d.id.desc())
        .limit(limit)
    )
    if comment_id is not None:
        query = query.where(d.comment_id == comment_id)
    if before_id is not None:
        query = query.where(d.id < before_id)
    if filters.who is Who.PEOPLE:
        query = query.where(d.source == DecisionSource.MODERATOR)
    elif filters.who is Who.MACHINE:
        query = query.where(d.source != DecisionSource.MODERATOR)
    if filters.moderator_id is not None:
        query = query.where(d.moderator_id == filters.moderator_id)
    if filters.action:
        query = query.where(d.to_status == filters.action)
    if filters.comment:
        query = query.where(Comment.public_id == filters.comment)
    if filters.article:
        query = query.where(Article.key == filters.article)
    if filters.since is not None:
        query = query.where(d.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(d.created_at < filters.until)
    rows = session.execute(query).all()
    names = _names(session, {row[0].moderator_id for row in rows})
    return [
        LogEntry(
            id=decision.id,
            at=decision.created_at,
            kind=LogKind.DECISIONS,
            action=decision.to_status.value,
            source=decision.source.value,
            moderator_name=names.get(decision.moderator_id) if decision.moderator_id else None,
            actor=decision.actor,
            comment_public_id=public_id,
            comment_author=author,
            article_key=key,
            article_title=title,
            from_status=decision.from_status.value,
            reasons=tuple(decision.reasons or ()),
        )
        for decision, public_id, author, key, title in rows
    ]


def _actions(
    session: Session,
    filters: LogFilter,
    before_id: int | None,
    limit: int,
    comment_id: int | None,
) -> list[LogEntry]:
    a = AuditEntry
    article = aliased(Article)
    query = (
        sa.select(a, Comment.public_id, Comment.author_name, article.key, article.title)
        .outerjoin(Comment, Comment.id == a.comment_id)
        .outerjoin(article, article.id == sa.func.coalesce(a.article_id, Comment.article_id))
        .order_by(a.id.desc())
        .limit(limit)
    )
    if comment_id is not None:
        query = query.where(a.comment_id == comment_id)
    if before_id is not None:
        query = query.where(a.id < before_id)
    if filters.who is Who.PEOPLE:
        query = query.where(a.moderator_id.is_not(None))
    elif filters.who is Who.MACHINE:
        query = query.where(a.moderator_id.is_(None))
    if filters.moderator_id is not None:
        query = query.where(a.moderator_id == filters.moderator_id)
    if filters.action:
        query = query.where(a.action == filters.action)
    if filters.comment:
        query = query.where(Comment.public_id == filters.comment)
    if filters.article:
        query = query.where(article.key == filters.article)
    if filters.since is not None:
        query = query.where(a.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(a.created_at < filters.until)
    rows = session.execute(query).all()
    names = _names(session, {row[0].moderator_id for row in rows})
    return [
        LogEntry(
            id=entry.id,
            at=entry.created_at,
            kind=LogKind.ACTIONS,
            action=entry.action,
            source="moderator" if entry.moderator_id else "system",
            moderator_name=names.get(entry.moderator_id) if entry.moderator_id else None,
            actor="",
            comment_public_id=public_id,
            comment_author=author,
            article_key=key,
            article_title=title,
            details=dict(entry.details or {}),
        )
        for entry, public_id, author, key, title in rows
    ]


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Moderator.id, Moderator.display_name).where(Moderator.id.in_(wanted))
    ).all()
    return {moderator_id: name for moderator_id, name in rows}


def moderators(session: Session) -> Sequence[Moderator]:
    """Everyone who may appear in the log, for the filter's choices."""
    return session.scalars(sa.select(Moderator).order_by(Moderator.display_name)).all()
