"""New objects written together (one statement on PostgreSQL) are what a flush writes, and
the session treats them as a flush would have: persistent, loaded, dropped on rollback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from moderation.db import db
from moderation.db import write_new
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Event
from moderation.models import IntakeCounter
from moderation.models import OutboxMessage
from tests.helpers import add_article

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _objects(article_id: int, serial: int) -> tuple[Comment, Event, OutboxMessage]:
    comment = Comment(
        article_id=article_id,
        author_name="Ana",
        email="ana@example.org",
        email_hash="ab" * 32,
        website=None,
        body_raw="Bonjour",
        body_html="<p>Bonjour</p>",
        body_text="Bonjour",
        status=CommentStatus.PENDING,
        created_at=NOW,
    )
    event = Event(type="comment.created", article_id=article_id, payload={}, created_at=NOW)
    message = OutboxMessage(
        task_name="moderation.classify_comment",
        key=f"k{serial}",
        payload={"comment_id": 7, "note": "é"},
        created_at=NOW,
        available_at=NOW + dt.timedelta(minutes=5),
    )
    return comment, event, message


def _row(model: type[Any], id_: int) -> dict[str, Any]:
    row = db.session.execute(sa.select(model.__table__).where(model.id == id_)).one()
    return {k: v for k, v in row._asdict().items() if k not in {"id", "public_id", "key"}}


def _article_id() -> int:
    article_id = db.session.scalar(sa.select(Article.id).where(Article.key == "a1"))
    assert article_id is not None
    return article_id


def test_written_rows_equal_what_a_flush_writes(app: Flask) -> None:
    add_article(app)
    with app.app_context():
        article_id = _article_id()
        flushed = _objects(article_id, 1)
        db.session.add_all(flushed)
        db.session.flush()
        together = _objects(article_id, 2)
        db.session.add_all(together)
        statements: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement.split()[0])

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            write_new(db.session)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert not db.session.new
        # One statement on PostgreSQL; a flush's one INSERT per row elsewhere.
        one = db.engine.dialect.name == "postgresql"
        assert statements == (["WITH"] if one else ["INSERT"] * 3)
        for by_flush, by_write in zip(flushed, together, strict=True):
            assert by_write.id is not None
            assert by_write.id != by_flush.id
            expected = _row(type(by_flush), by_flush.id)
            written = _row(type(by_write), by_write.id)
            assert written == expected
        # The Python-side defaults were applied and kept on the object.
        assert len(together[0].public_id) > 10
        assert together[0].reasons == []
        assert together[0].scores == {}
        assert together[0].depth == 0
        assert together[2].attempts == 0
        assert together[2].done_at is None
        db.session.commit()


def test_written_objects_are_persistent_and_loaded(app: Flask) -> None:
    add_article(app)
    with app.app_context():
        comment, event, message = _objects(_article_id(), 3)
        comment.id = 9_000_001  # chosen beforehand, as intake does on PostgreSQL
        event.comment_id = comment.id
        db.session.add_all([comment, event, message])
        write_new(db.session)
        statements: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            # Every column is loaded: reading them asks the database nothing.
            assert (comment.id, comment.ip, comment.decided_at) == (9_000_001, None, None)
            assert db.session.get(Comment, comment.id) is comment
            assert statements == []
            comment.status = CommentStatus.APPROVED  # tracked: flushed as an UPDATE
            db.session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert [s.split()[0] for s in statements] == ["UPDATE"]
        db.session.commit()
        stored = db.session.scalar(sa.select(Comment.status).where(Comment.id == 9_000_001))
        assert stored == CommentStatus.APPROVED
        assert db.session.get(Event, event.id).comment_id == 9_000_001  # type: ignore[union-attr]


def test_a_rollback_drops_written_objects_from_the_session(app: Flask) -> None:
    add_article(app)
    with app.app_context():
        comment, event, message = _objects(_article_id(), 4)
        db.session.add_all([comment, event, message])
        write_new(db.session)
        ids = (comment.id, event.id, message.id)
        db.session.rollback()
        assert all(instance not in db.session for instance in (comment, event, message))
        assert db.session.get(Comment, ids[0]) is None
        assert db.session.get(Event, ids[1]) is None
        assert db.session.get(OutboxMessage, ids[2]) is None


def test_a_refused_row_writes_none_of_the_others(app: Flask) -> None:
    add_article(app)
    with app.app_context():
        first, _, _ = _objects(_article_id(), 5)
        db.session.add(first)
        db.session.commit()
        taken = first.public_id
        comment, event, message = _objects(_article_id(), 6)
        comment.public_id = taken  # unique: the database refuses the comment
        db.session.add_all([comment, event, message])
        with pytest.raises(IntegrityError):
            write_new(db.session)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.key == "k6")) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_an_object_with_a_composite_key_is_flushed_with_the_others(app: Flask) -> None:
    add_article(app)
    with app.app_context():
        comment, event, message = _objects(_article_id(), 7)
        counter = IntakeCounter(day=NOW.date(), kind="honeypot", count=3)
        db.session.add_all([comment, event, message, counter])
        write_new(db.session)
        assert not db.session.new
        db.session.commit()
        assert db.session.get(IntakeCounter, (NOW.date(), "honeypot")).count == 3  # type: ignore[union-attr]
        assert db.session.get(Comment, comment.id) is comment
