"""Figures about the desk's work over the last days: volumes, who decided, how fast.

Days are UTC calendar days ending today (by the clock passed in). A comment is "decided"
when it leaves pending or held for approved, rejected or spam; that decision is automatic
when the rules, the classifiers or the system made it, human when a moderator did. Times to
decision run from the comment's submission to that decision. Each figure is one grouped
query; PostgreSQL computes the percentiles itself, SQLite hands the durations back.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.models import Report
from moderation.services.queue import oldest_waiting

PERIODS = (7, 30, 90)
OUTCOMES = (
    CommentStatus.APPROVED,
    CommentStatus.HELD,
    CommentStatus.PENDING,
    CommentStatus.REJECTED,
    CommentStatus.SPAM,
)
TOP_ARTICLES = 10
_OPEN = (CommentStatus.PENDING, CommentStatus.HELD)
_FINAL = (CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM)


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds from submission to decision (``None`` when nothing was decided)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class TopArticle:
    key: str
    title: str
    comments: int


@dataclass(frozen=True, slots=True)
class Stats:
    days: tuple[dt.date, ...]
    #: Comments submitted per day, by their status today.
    by_outcome: dict[CommentStatus, tuple[int, ...]]
    reports: tuple[int, ...]
    automatic: Timing
    human: Timing
    oldest_waiting: dt.datetime | None
    top_articles: tuple[TopArticle, ...]

    @property
    def total_comments(self) -> int:
        return sum(sum(values) for values in self.by_outcome.values())

    @property
    def automatic_share(self) -> float | None:
        decided = self.automatic.count + self.human.count
        return self.automatic.count / decided if decided else None


def compute(session: Session, now: dt.datetime, days: int) -> Stats:
    """The figures for the ``days`` UTC days ending with today's."""
    if days not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    today = now.astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    day_list = tuple(first + dt.timedelta(days=i) for i in range(days))
    index = {day: i for i, day in enumerate(day_list)}
    dialect = session.get_bind().dialect.name

    by_outcome = {status: [0] * days for status in OUTCOMES}
    comment_day = _day(Comment.created_at, dialect)
    rows = session.execute(
        sa.select(comment_day, Comment.status, sa.func.count())
        .where(Comment.created_at >= since)
        .group_by(comment_day, Comment.status)
    ).all()
    for day, status, count in rows:
        slot = index.get(_as_date(day))
        if slot is not None and status in by_outcome:
            by_outcome[status][slot] += int(count)

    reports = [0] * days
    report_day = _day(Report.created_at, dialect)
    for day, count in session.execute(
        sa.select(report_day, sa.func.count())
        .where(Report.created_at >= since)
        .group_by(report_day)
    ).all():
        slot = index.get(_as_date(day))
        if slot is not None:
            reports[slot] += int(count)

    top = session.execute(
        sa.select(Article.key, Article.title, sa.func.count(Comment.id).label("n"))
        .join(Comment, Comment.article_id == Article.id)
        .where(Comment.created_at >= since, Comment.status != CommentStatus.DELETED)
        .group_by(Article.id, Article.key, Article.title)
        .order_by(sa.text("n DESC"), Article.key)
        .limit(TOP_ARTICLES)
    ).all()

    return Stats(
        days=day_list,
        by_outcome={status: tuple(values) for status, values in by_outcome.items()},
        reports=tuple(reports),
        automatic=_timing(session, since, dialect, human=False),
        human=_timing(session, since, dialect, human=True),
        oldest_waiting=oldest_waiting(session, now),
        top_articles=tuple(TopArticle(k, t, int(n)) for k, t, n in top),
    )


def _day(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _timing(session: Session, since: dt.datetime, dialect: str, *, human: bool) -> Timing:
    d = ModerationDecision
    source = d.source == DecisionSource.MODERATOR if human else d.source != DecisionSource.MODERATOR
    conditions = (
        d.created_at >= since,
        d.from_status.in_(_OPEN),
        d.to_status.in_(_FINAL),
        source,
    )
    if dialect == "postgresql":
        seconds: Any = sa.func.extract("epoch", d.created_at - Comment.created_at)
        count, median, p90 = session.execute(
            sa.select(
                sa.func.count(),
                sa.func.percentile_cont(0.5).within_group(seconds),
                sa.func.percentile_cont(0.9).within_group(seconds),
            )
            .select_from(d)
            .join(Comment, Comment.id == d.comment_id)
            .where(*conditions)
        ).one()
        return Timing(int(count), _float(median), _float(p90))
    seconds = (sa.func.julianday(d.created_at) - sa.func.julianday(Comment.created_at)) * 86400.0
    values = sorted(
        float(v)
        for v in session.scalars(
            sa.select(seconds)
            .select_from(d)
            .join(Comment, Comment.id == d.comment_id)
            .where(*conditions)
        ).all()
    )
    return Timing(len(values), _percentile(values, 0.5), _percentile(values, 0.9))


def _float(value: Any) -> float | None:
    return None if value is None else max(0.0, float(value))


def _percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    value = values[low] + (values[high] - values[low]) * (position - low)
    return max(0.0, value)
