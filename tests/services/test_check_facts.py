"""What a check works out (language, fingerprint) is written with its verdict, in one row
version, and kept even when somebody else decided the comment first; a batch writes its
decision rows and events together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import check_batches
from moderation.services import checks
from moderation.services import comments
from moderation.validation import CommentDraft
from tests.backends import Backend
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article


@pytest.fixture
def app(settings: Settings, backend) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = build_app(settings, publisher=Quiet())
    add_article(app)
    yield app
    _clean(app, backend)


BODIES = (
    "Le conseil municipal a voté ce budget sans le moindre débat public, hélas.",
    "The council should publish the full report rather than a few chosen extracts.",
    "Une vraie piste cyclable sécurisée changerait tout pour les collégiens du quartier.",
)


def submit(app: Flask) -> list[int]:
    deps = app.extensions["moderation.deps"]
    ids = []
    with app.app_context():
        for i, body in enumerate(BODIES):
            draft = CommentDraft(author_name=f"Lecteur {i}", email=f"l{i}@example.org", body=body)
            ids.append(comments.submit_comment(db.session(), deps, draft, article_key="a1").id)
        db.session.commit()
    return ids


def stored(app: Flask) -> list[tuple[CommentStatus, str | None, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Comment.status, Comment.language, Comment.fingerprint).order_by(Comment.id)
        )
        result = [(status, language, fingerprint) for status, language, fingerprint in rows]
        db.session.remove()
    return result


def test_a_batch_writes_each_comment_once_with_its_language_and_fingerprint(
    app: Flask, backend: Backend
) -> None:
    first, *_ = submit(app)
    updates: list[str] = []
    writes: list[str] = []

    def watch(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE COMMENTS"):
            updates.append(statement)
        if statement.lstrip().upper().startswith(("INSERT INTO", "UPDATE COMMENTS")):
            writes.append(" ".join(statement.split()[:3]))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", watch)
        try:
            check_batches.classify_batch(db.session(), app.extensions["moderation.deps"], first)
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", watch)
            db.session.remove()
    assert len(updates) == len(BODIES)  # one row version a comment: the verdict and its facts
    # The decision rows and events wait for the batch's end (no flush per comment), and
    # where the database takes multi-row INSERTs, they are one per table.
    verdicts = len(BODIES)
    assert writes[:verdicts] == ["UPDATE comments SET"] * verdicts
    inserts = sorted(writes[verdicts:])
    if backend.name == "postgres":
        assert inserts == ["INSERT INTO events", "INSERT INTO moderation_decisions"]
    else:
        assert set(inserts) == {"INSERT INTO events", "INSERT INTO moderation_decisions"}
    rows = stored(app)
    assert [language for _, language, _ in rows] == ["fr", "en", "fr"]
    assert all(status is not CommentStatus.PENDING for status, _, _ in rows)
    assert all(fingerprint is not None for _, _, fingerprint in rows)


def test_the_facts_are_kept_when_a_moderator_decided_first(app: Flask) -> None:
    first, *_ = submit(app)
    deps = app.extensions["moderation.deps"]
    with app.app_context():
        session = db.session()
        comment = session.get_one(Comment, first)  # loaded while still pending
        assert comment.status is CommentStatus.PENDING
        # Another process decides it meanwhile: this session still holds it as pending.
        with db.engine.begin() as other:
            other.execute(
                sa.update(Comment).where(Comment.id == first).values(status=CommentStatus.APPROVED)
            )
        result = checks.classify_and_decide(session, deps, first)
        session.commit()
        db.session.remove()
    assert result is None  # nothing decided here
    status, language, fingerprint = stored(app)[0]
    assert status is CommentStatus.APPROVED
    assert language == "fr"
    assert fingerprint is not None
