"""The moderators' read model: queue items with everything needed to decide at a glance.

One module builds what the JSON moderator API and the workspace pages show, so the two can
never drift: the comment, its article, the parent it answers, its reports, and the
author's history. A page costs a fixed number of queries whatever its length (one per
kind of fact, never one per item), and pages are keyset-paginated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import CommentNotFound
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    """What the author (by keyed email hash) has posted before, this comment excluded."""

    approved: int = 0
    held: int = 0
    rejected: int = 0
    spam: int = 0
    pending: int = 0
    first_seen: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueItem:
    comment: Comment
    article: Article
    parent: Comment | None = None
    report_count: int = 0
    report_reasons: dict[str, int] = field(default_factory=dict)
    history: AuthorHistory = AuthorHistory()


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: Sequence[QueueItem]
    #: The id to pass as ``after_id`` for the next page, if there is one.
    next_cursor: int | None


def list_queue(
    session: Session,
    *,
    statuses: Sequence[CommentStatus] = (),
    article_key: str | None = None,
    campaign_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> QueuePage:
    """Comments by status, article and campaign, oldest first, keyset-paginated on the id."""
    query = sa.select(Comment).order_by(Comment.id).limit(limit + 1)
    if campaign_id is not None:
        query = query.where(Comment.campaign_id == campaign_id)
    if statuses:
        query = query.where(Comment.status.in_(list(statuses)))
    if article_key is not None:
        query = query.join(Article, Article.id == Comment.article_id).where(
            Article.key == article_key
        )
    if after_id is not None:
        query = query.where(Comment.id > after_id)
    rows = list(session.scalars(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(items_for(session, rows), rows[-1].id if more and rows else None)


def item(session: Session, public_id: str) -> QueueItem:
    """One comment as moderators see it.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    return items_for(session, [comment])[0]


def items_for(session: Session, comments: Sequence[Comment]) -> list[QueueItem]:
    """Queue items for loaded comments, in the same order, with four queries in all."""
    if not comments:
        return []
    articles = {
        a.id: a
        for a in session.scalars(
            sa.select(Article).where(Article.id.in_({c.article_id for c in comments}))
        )
    }
    parent_ids = {c.parent_id for c in comments if c.parent_id is not None}
    parents = (
        {p.id: p for p in session.scalars(sa.select(Comment).where(Comment.id.in_(parent_ids)))}
        if parent_ids
        else {}
    )
    reports: dict[int, dict[str, int]] = {}
    for comment_id, reason, count in session.execute(
        sa.select(Report.comment_id, Report.reason, sa.func.count())
        .where(Report.comment_id.in_([c.id for c in comments]))
        .group_by(Report.comment_id, Report.reason)
    ):
        reports.setdefault(comment_id, {})[reason.value] = count
    histories = _histories(session, comments)
    return [
        QueueItem(
            comment=c,
            article=articles[c.article_id],
            parent=parents.get(c.parent_id) if c.parent_id is not None else None,
            report_count=sum(reports.get(c.id, {}).values()),
            report_reasons=reports.get(c.id, {}),
            history=histories.get(c.id, AuthorHistory()),
        )
        for c in comments
    ]


def _histories(session: Session, comments: Sequence[Comment]) -> dict[int, AuthorHistory]:
    # One grouped query over every author of the page; each comment's own row is taken
    # out afterwards, so its history counts only what came before or beside it.
    authors = {c.email_hash for c in comments}
    counts: dict[str, dict[CommentStatus, int]] = {}
    first_seen: dict[str, dt.datetime] = {}
    for author, status, count, first in session.execute(
        sa.select(
            Comment.email_hash, Comment.status, sa.func.count(), sa.func.min(Comment.created_at)
        )
        .where(Comment.email_hash.in_(authors))
        .group_by(Comment.email_hash, Comment.status)
    ):
        counts.setdefault(author, {})[status] = count
        if author not in first_seen or first < first_seen[author]:
            first_seen[author] = first
    found = {}
    for comment in comments:
        mine = dict(counts.get(comment.email_hash, {}))
        mine[comment.status] = mine.get(comment.status, 1) - 1
        found[comment.id] = AuthorHistory(
            approved=mine.get(CommentStatus.APPROVED, 0),
            held=mine.get(CommentStatus.HELD, 0),
            rejected=mine.get(CommentStatus.REJECTED, 0),
            spam=mine.get(CommentStatus.SPAM, 0),
            pending=mine.get(CommentStatus.PENDING, 0),
            first_seen=first_seen.get(comment.email_hash),
        )
    return found
