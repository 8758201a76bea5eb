"""Articles created on first comment: two first comments at once make one article."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.models import Article
from moderation.services import articles
from moderation.services.ports import SystemClock


def test_two_first_comments_at_once_create_one_article(app: Flask) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    first_inserted = threading.Event()

    def create(hold: bool) -> None:
        try:
            with app.app_context():
                article = articles.ensure_article(
                    db.session(), "nouveau", url="", title="", now=SystemClock().now()
                )
                db.session.flush()
                if hold:
                    first_inserted.set()
                    time.sleep(0.5)  # keep the row uncommitted while the other one inserts
                db.session.commit()
                results.append(article.id)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    winner = threading.Thread(target=create, args=(True,))
    winner.start()
    assert first_inserted.wait(10)
    loser = threading.Thread(target=create, args=(False,))
    loser.start()
    winner.join(20)
    loser.join(20)
    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 1
