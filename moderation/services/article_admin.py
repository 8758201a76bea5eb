"""The admins' view of articles: find them, and change how each one takes comments.

Reads return one page of articles with their comment counts in two queries; every change
(open or closed, premoderation, automatic closing, title and address) is one audit entry
naming what changed, and tells the public read cache once committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import jobs
from moderation import urls
from moderation.config import PremoderationMode
from moderation.errors import ArticleNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import article_signing
from moderation.services import articles
from moderation.services import audit
from moderation.services import site_settings
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps

TITLE_MAX_LENGTH = 500
URL_MAX_LENGTH = 2000
MAX_CLOSE_DAYS = 3650


class ArticleState(StrEnum):
    ALL = "all"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ArticleRow:
    article: Article
    comments: int
    waiting: int
    closes_at: dt.datetime | None
    accepts_comments: bool


@dataclass(frozen=True, slots=True)
class ArticlePage:
    rows: tuple[ArticleRow, ...]
    next_before: int | None


def search(
    session: Session,
    deps: Deps,
    *,
    text: str = "",
    state: ArticleState = ArticleState.ALL,
    before_id: int | None = None,
    limit: int = 50,
) -> ArticlePage:
    """Articles newest first whose key, title or address contains ``text``."""
    query = sa.select(Article).order_by(Article.id.desc()).limit(limit + 1)
    if text.strip():
        pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        pattern += "%"
        query = query.where(
            sa.or_(
                Article.key.ilike(pattern, escape="\\"),
                Article.title.ilike(pattern, escape="\\"),
                Article.url.ilike(pattern, escape="\\"),
            )
        )
    if state is ArticleState.OPEN:
        query = query.where(Article.is_open.is_(True))
    elif state is ArticleState.CLOSED:
        query = query.where(Article.is_open.is_(False))
    if before_id is not None:
        query = query.where(Article.id < before_id)
    found = list(session.scalars(query).all())
    more = len(found) > limit
    found = found[:limit]
    counts = _counts(session, [a.id for a in found])
    now = deps.clock.now()
    default_days = site_settings.effective(session, deps.settings).close_after_days
    rows = tuple(
        ArticleRow(
            article=a,
            comments=counts.get(a.id, (0, 0))[0],
            waiting=counts.get(a.id, (0, 0))[1],
            closes_at=articles.closing_time(a, default_days),
            accepts_comments=articles.accepts_comments(a, now, default_days),
        )
        for a in found
    )
    return ArticlePage(rows, found[-1].id if more and found else None)


def _counts(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    waiting = Comment.status.in_((CommentStatus.HELD, CommentStatus.PENDING))
    rows = session.execute(
        sa.select(
            Comment.article_id,
            sa.func.count(Comment.id).filter(Comment.status != CommentStatus.DELETED),
            sa.func.count(Comment.id).filter(waiting),
        )
        .where(Comment.article_id.in_(ids))
        .group_by(Comment.article_id)
    ).all()
    return {article_id: (int(total), int(held)) for article_id, total, held in rows}


@dataclass(frozen=True, slots=True)
class ArticleChanges:
    """What an admin submitted for one article (``None`` premoderation: the site's)."""

    is_open: bool
    premoderation: PremoderationMode | None
    close_after_days: int | None
    closes_at: dt.datetime | None
    title: str
    url: str


def get(session: Session, key: str) -> Article:
    """:raises ArticleNotFound:"""
    article = articles.find_article(session, key)
    if article is None:
        raise ArticleNotFound(key)
    return article


def update(
    session: Session, deps: Deps, key: str, changes: ArticleChanges, *, moderator_id: int
) -> list[str]:
    """Apply ``changes`` to the article; returns the names of the fields that changed.

    :raises ArticleNotFound:
    :raises ValidationFailed: a title or address that cannot be used, a day count out of range.
    """
    article = get(session, key)
    # An address left as it is stays valid even if the site list changed since it was
    # stored: only a new address must be a web address on a configured site.
    new_url = changes.url.strip() != (article.url or "")
    errors = [
        *_title_errors(changes.title),
        *(_new_url_errors(changes.url, deps.settings.allowed_sites) if new_url else []),
        *_days_errors(changes.close_after_days),
    ]
    if errors:
        raise ValidationFailed(errors)
    wanted: dict[str, Any] = {
        "premoderation": changes.premoderation.value if changes.premoderation else None,
        "close_after_days": changes.close_after_days,
        "closes_at": changes.closes_at,
        "title": changes.title.strip(),
        "url": (urls.web_url(changes.url) or "" if changes.url.strip() else "")
        if new_url
        else article.url,
    }
    changed: dict[str, dict[str, Any]] = {}
    for name, value in wanted.items():
        before = getattr(article, name)
        if before != value:
            changed[name] = {"from": _plain(before), "to": _plain(value)}
            setattr(article, name, value)
    if article.is_open != changes.is_open:
        changed["is_open"] = {"from": article.is_open, "to": changes.is_open}
        # set_open records the article.closed event and tells the cache.
        articles.set_open(session, deps, key, changes.is_open, moderator_id=moderator_id)
    if changed:
        audit.record(
            session,
            AuditAction.ARTICLE_CHANGED,
            now=deps.clock.now(),
            moderator_id=moderator_id,
            article_id=article.id,
            details={"changes": changed},
        )
        session.flush()
        cache = deps.cache
        jobs.after_commit(session, lambda: cache.invalidate([key]))
    return sorted(changed)


def _title_errors(title: str) -> list[FieldError]:
    if len(title.strip()) > TITLE_MAX_LENGTH:
        return [FieldError("title", "too_long", {"max": TITLE_MAX_LENGTH})]
    return []


def _new_url_errors(url: str, allowed_sites: tuple[str, ...]) -> list[FieldError]:
    """A new address (empty clears it): a web address, on one of the configured sites."""
    url = url.strip()
    if len(url) > URL_MAX_LENGTH:
        return [FieldError("url", "too_long", {"max": URL_MAX_LENGTH})]
    if url and urls.web_url(url) is None:
        # Read as a browser reads it, the same check as everywhere else.
        return [FieldError("url", "invalid_url")]
    if url and article_signing.site_of(url, allowed_sites) is None:
        return [FieldError("url", "article_url_off_site")]
    return []


def _days_errors(days: int | None) -> list[FieldError]:
    if days is not None and not 0 <= days <= MAX_CLOSE_DAYS:
        return [FieldError("close_after_days", "out_of_range", {"min": 0, "max": MAX_CLOSE_DAYS})]
    return []


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
