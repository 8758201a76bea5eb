"""Surge mode: when an article suddenly draws far more comments, refusals or reports than
usual (a breaking story, a brigade), premoderate it for a while and say so.

The detector compares the last few minutes with the article's own day: a rate several
times its usual one, or a large share of refused comments, or many reports. Every switch
is recorded as an ``article.surge`` event (for notifications) and logged.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import ArticleNotFound
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.services import events
from moderation.services import site_settings
from moderation.services.ports import Deps

logger = logging.getLogger(__name__)

BASELINE = dt.timedelta(hours=24)


def surge_active(article: Article, now: dt.datetime) -> bool:
    return article.surge_until is not None and article.surge_until > now


def evaluate_surge(session: Session, deps: Deps, article: Article) -> bool:
    """Switch the article to surge mode if its recent activity jumped; ``True`` if it did."""
    settings = site_settings.effective(session, deps.settings)
    now = deps.clock.now()
    if surge_active(article, now):
        return False
    window = dt.timedelta(minutes=settings.surge_window_minutes)
    since = now - window
    recent, refused, decided = session.execute(
        sa.select(
            sa.func.count(Comment.id),
            sa.func.count(Comment.id).filter(
                Comment.status.in_((CommentStatus.HELD, CommentStatus.SPAM, CommentStatus.REJECTED))
            ),
            sa.func.count(Comment.id).filter(Comment.status != CommentStatus.PENDING),
        ).where(Comment.article_id == article.id, Comment.created_at >= since)
    ).one()
    if recent < settings.surge_min_comments:
        return False
    before = (
        session.scalar(
            sa.select(sa.func.count(Comment.id)).where(
                Comment.article_id == article.id,
                Comment.created_at >= since - BASELINE,
                Comment.created_at < since,
            )
        )
        or 0
    )
    reports = (
        session.scalar(
            sa.select(sa.func.count(Report.id))
            .join(Comment, Comment.id == Report.comment_id)
            .where(Comment.article_id == article.id, Report.created_at >= since)
        )
        or 0
    )
    usual = before / (BASELINE / window)
    why = None
    if recent >= settings.surge_factor * max(usual, 1.0):
        why = "rate"
    elif decided and refused / decided >= settings.surge_held_share:
        why = "held_share"
    elif reports >= settings.surge_min_comments:
        why = "reports"
    if why is None:
        return False
    article.surge_until = now + dt.timedelta(minutes=settings.surge_minutes)
    events.emit(
        session,
        events.EventType.ARTICLE_SURGE,
        deps=deps,
        now=now,
        article_id=article.id,
        payload={
            "reason": why,
            "recent_comments": int(recent),
            "usual_per_window": round(usual, 2),
            "refused": int(refused),
            "reports": int(reports),
            "until": article.surge_until.isoformat(),
        },
    )
    session.flush()
    logger.warning("surge mode on article_id=%s reason=%s", article.id, why)
    return True


def end_surge(
    session: Session, deps: Deps, article_key: str, moderator_id: int | None = None
) -> Article:
    """A moderator ends surge mode on an article.

    :raises ArticleNotFound:
    """
    article = session.scalar(sa.select(Article).where(Article.key == article_key))
    if article is None:
        raise ArticleNotFound(article_key)
    now = deps.clock.now()
    if surge_active(article, now):
        article.surge_until = None
        events.emit(
            session,
            events.EventType.ARTICLE_SURGE_ENDED,
            deps=deps,
            now=now,
            article_id=article.id,
            moderator_id=moderator_id,
        )
        session.flush()
        logger.info("surge mode ended article_id=%s", article.id)
    return article
