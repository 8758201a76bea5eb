"""Intake reads what it needs in one statement: the article, the duplicate test, the site
settings and whether a webhook endpoint is active; what it answers is what the separate
reads answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import CommentStatus
from moderation.models import ModeratorRole
from moderation.models import WebhookDelivery
from moderation.services import comments
from moderation.services import intake_reads
from moderation.services import moderators
from moderation.services import site_settings
from moderation.services import webhooks
from moderation.validation import CommentDraft
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article
from tests.webhook_helpers import LOOPBACK

START = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
BODY = "Le conseil municipal a voté le budget des écoles, et c'est une bonne nouvelle."


@pytest.fixture
def app(settings: Settings, backend: Any) -> Iterator[Flask]:
    clock = FrozenClock(START)
    built = build_app(
        settings.replace(webhook_allowed_networks=LOOPBACK), clock=clock, publisher=Quiet()
    )
    add_article(built, "a1")
    add_article(built, "a2")
    with built.app_context():
        yield built
    _clean(built, backend)


def submit(app: Flask, email: str = "ana@example.org", article: str = "a1") -> Any:
    comment = comments.submit_comment(
        db.session(),
        app.extensions["moderation.deps"],
        CommentDraft(author_name="Ana", email=email, body=BODY),
        article_key=article,
        client=comments.ClientInfo(ip="198.51.100.7", elapsed_seconds=60.0),
    )
    db.session.commit()
    return comment


def test_a_submission_reads_once_then_writes(app: Flask, backend: Any) -> None:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()[:3]).upper().replace('"', ""))

    submit(app, "first@example.org")  # the statement is built, the pool warm
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        submit(app)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    if backend.name == "postgres":
        # The comment's id came with the read: its row, event and check are one statement.
        assert statements == ["SELECT ARTICLES.ID, ARTICLES.KEY,", "WITH NEW_0 AS"]
        return
    assert statements == [
        "SELECT ARTICLES.ID, ARTICLES.KEY,",
        "INSERT INTO COMMENTS",
        "INSERT INTO EVENTS",
        "INSERT INTO OUTBOX_MESSAGES",
    ]


def test_the_duplicate_test_is_by_author_text_and_article(app: Flask) -> None:
    deps = app.extensions["moderation.deps"]
    first = submit(app)
    author = first.email_hash

    def duplicate(article: str, who: str = author, text: str = first.body_text) -> bool:
        found = intake_reads.read(
            db.session(),
            deps.settings,
            article_key=article,
            author=who,
            text=text,
            since=START - comments.DUPLICATE_WINDOW,
        ).duplicate
        db.session.rollback()
        return found

    assert duplicate("a1")
    assert not duplicate("a2")
    assert not duplicate("a1", who="0" * len(author))
    assert not duplicate("a1", text=first.body_text + " Et puis encore.")
    assert not duplicate("no-such-article")
    again = submit(app)
    assert again.status is CommentStatus.REJECTED, "an exact repost is stored refused"
    first.status = CommentStatus.DELETED
    db.session.commit()
    assert duplicate("a1"), "the repost itself is not deleted"
    again.status = CommentStatus.DELETED
    db.session.commit()
    assert not duplicate("a1"), "a deleted comment is no longer one to repeat"


def test_the_settings_read_with_it_are_those_in_effect(app: Flask) -> None:
    deps = app.extensions["moderation.deps"]
    session = db.session()
    admin = moderators.create_moderator(
        session, "ada@example.org", role=ModeratorRole.ADMIN, display_name="Ada", now=START
    )
    session.commit()

    def read_both() -> tuple[Settings, Settings]:
        known = intake_reads.read(
            session, deps.settings, article_key="a1", author="x", text="y", since=START
        )
        db.session.rollback()
        return known.settings, site_settings.effective(session, deps.settings)

    combined, separate = read_both()
    assert combined == separate == deps.settings
    site_settings.save(
        session,
        deps.settings,
        {
            "premoderation": "links",
            "close_after_days": "30",
            "max_links": "5",
            "accepted_languages": "fr, de",
            "score_hold_at": "0.42",
        },
        moderator_id=admin.id,
        now=START,
    )
    session.commit()
    combined, separate = read_both()
    assert combined == separate
    assert (combined.close_after_days, combined.max_links) == (30, 5)
    assert combined.accepted_languages == ("fr", "de")
    assert combined.score_hold_at == pytest.approx(0.42)
    db.session.rollback()


def test_an_active_endpoint_still_gets_its_delivery(app: Flask) -> None:
    deps = app.extensions["moderation.deps"]
    submit(app, "before@example.org")
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0
    endpoint, _ = webhooks.create_endpoint(
        db.session(),
        deps,
        webhooks.parse_fields(
            {"url": "http://127.0.0.1:9/hook", "event_types": ["comment.created"]}, creating=True
        ),
    )
    db.session.commit()
    submit(app)
    (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert delivery.endpoint_id == endpoint.id
    assert delivery.event_type == "comment.created"
