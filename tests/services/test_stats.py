"""The statistics: per-day volumes by outcome, reports, who decided and how fast.

Comments and decisions are written at pinned moments with a frozen clock, so every figure
is known in advance; both backends compute the percentiles (PostgreSQL in SQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.models import Report
from moderation.models import ReportReason
from moderation.services import stats
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app

NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(settings: Settings, backend) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = build_app(settings, clock=FrozenClock(NOW))
    with app.app_context():
        yield app
    _clean(app, backend)


def comment(
    article: Article,
    status: CommentStatus,
    at: dt.datetime,
    decided_after: float | None = None,
    source: DecisionSource = DecisionSource.RULES,
) -> Comment:
    row = Comment(
        article_id=article.id,
        author_name="Ana",
        email="ana@example.org",
        email_hash="h" * 64,
        body_raw="x",
        body_html="<p>x</p>",
        body_text="x",
        status=status,
        created_at=at,
    )
    db.session.add(row)
    db.session.flush()
    if decided_after is not None:
        db.session.add(
            ModerationDecision(
                comment_id=row.id,
                source=source,
                actor="test",
                from_status=CommentStatus.PENDING,
                to_status=status,
                reasons=[],
                scores={},
                created_at=at + dt.timedelta(seconds=decided_after),
            )
        )
    return row


def test_figures_of_a_pinned_week(app: Flask) -> None:
    del app
    busy = Article(key="busy", title="Très commenté", url="", created_at=NOW)
    calm = Article(key="calm", title="Calme", url="", created_at=NOW)
    db.session.add_all([busy, calm])
    db.session.flush()
    today, yesterday = NOW - dt.timedelta(hours=2), NOW - dt.timedelta(days=1)
    for seconds in (1, 2, 3, 4, 10):
        comment(busy, CommentStatus.APPROVED, today, seconds)
    people = DecisionSource.MODERATOR
    comment(busy, CommentStatus.REJECTED, yesterday, 600, people)
    comment(calm, CommentStatus.SPAM, yesterday, 1200, people)
    waiting = comment(calm, CommentStatus.HELD, yesterday - dt.timedelta(hours=3))
    comment(calm, CommentStatus.APPROVED, NOW - dt.timedelta(days=30))  # outside the week
    db.session.add(
        Report(comment_id=waiting.id, reason=ReportReason.SPAM, reporter_hash="r", created_at=today)
    )
    db.session.commit()

    figures = stats.compute(db.session(), NOW, 7)

    assert figures.days[-1] == dt.date(2026, 11, 24)
    assert len(figures.days) == 7
    assert figures.by_outcome[CommentStatus.APPROVED][-1] == 5
    assert figures.by_outcome[CommentStatus.REJECTED][-2] == 1
    assert figures.by_outcome[CommentStatus.SPAM][-2] == 1
    assert figures.by_outcome[CommentStatus.HELD][-2] == 1
    assert figures.total_comments == 8
    assert figures.reports[-1] == 1
    assert sum(figures.reports) == 1
    assert (figures.automatic.count, figures.human.count) == (5, 2)
    assert figures.automatic.median == pytest.approx(3.0, abs=0.01)
    assert figures.automatic.p90 == pytest.approx(7.6, abs=0.01)  # 4 + 0.6 * (10 - 4)
    assert figures.human.median == pytest.approx(900.0, abs=0.01)
    assert figures.automatic_share == pytest.approx(5 / 7)
    assert figures.oldest_waiting == waiting.created_at
    assert [(a.key, a.comments) for a in figures.top_articles] == [("busy", 6), ("calm", 2)]


def test_an_empty_period_has_no_timing(app: Flask) -> None:
    del app
    figures = stats.compute(db.session(), NOW, 30)
    assert figures.total_comments == 0
    assert figures.automatic.median is None
    assert figures.automatic_share is None
    with pytest.raises(ValueError, match="period"):
        stats.compute(db.session(), NOW, 12)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_percentile_interpolates_like_postgresql() -> None:
    assert stats._percentile([1.0, 2.0, 3.0, 4.0, 10.0], 0.9) == pytest.approx(7.6)
    assert stats._percentile([5.0], 0.5) == 5.0
    assert stats._percentile([], 0.5) is None
    value: Any = stats._percentile([0.0, 1.0], 0.5)
    assert value == 0.5
