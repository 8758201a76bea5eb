"""The check task of a comment its batch already decided costs no transaction, once."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import OutboxMessage
from moderation.services import comments
from moderation.validation import CommentDraft
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article
from workers import checks as check_tasks

#: What the task reads of Celery's task object: how many retries it is at.
FIRST_ATTEMPT = SimpleNamespace(request=SimpleNamespace(retries=0))


@pytest.fixture
def app(settings: Settings, backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = build_app(settings, publisher=Quiet())
    add_article(app)
    # This process's memory of decided comments, empty for each test and put back after.
    monkeypatch.setattr(check_tasks, "DECIDED_HERE", check_tasks.DecidedHere())
    yield app
    _clean(app, backend)


def submit(app: Flask, count: int) -> list[int]:
    ids = []
    with app.app_context():
        for i in range(count):
            draft = CommentDraft(
                author_name=f"Lecteur {i}", email=f"l{i}@example.org", body=f"Un avis posé, n° {i}."
            )
            ids.append(
                comments.submit_comment(
                    db.session(), app.extensions["moderation.deps"], draft, article_key="a1"
                ).id
            )
            db.session.commit()
    return ids


def run_task(app: Flask, comment_id: int) -> tuple[str | None, int]:
    """The task as the worker runs it (one commit after its body); its statement count."""
    statements = []

    def count(*_args: object) -> None:
        statements.append(1)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = check_tasks.classify_comment(FIRST_ATTEMPT, comment_id)  # type: ignore[arg-type]
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
    return result, len(statements)


def open_checks(app: Flask) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                sa.select(sa.func.count(OutboxMessage.id)).where(
                    OutboxMessage.task_name == tasks.TASK_CLASSIFY_COMMENT,
                    OutboxMessage.done_at.is_(None),
                )
            )
            or 0
        )


def test_tasks_of_a_batch_decided_here_skip_the_database_once(app: Flask) -> None:
    first, *others = submit(app, 4)
    result, statements = run_task(app, first)
    assert result is not None  # decided (held, as a comment without a form token is)
    assert statements > 4  # the batch: its lock, context, decisions
    assert open_checks(app) == 0  # the batch closed every outbox row it decided
    for other in others:
        assert run_task(app, other) == (None, 0)
    # Remembered once: a second delivery of the same task reads the database again.
    result, statements = run_task(app, others[0])
    assert result is None
    assert statements > 0
    with app.app_context():
        statuses = db.session.scalars(sa.select(Comment.status).order_by(Comment.id)).all()
    assert len(set(statuses)) == 1
    assert CommentStatus.PENDING not in statuses


def test_a_batch_that_rolls_back_remembers_nothing(app: Flask) -> None:
    first, second = submit(app, 2)
    with app.app_context():
        check_tasks.classify_comment(FIRST_ATTEMPT, first)  # type: ignore[arg-type]
        db.session.rollback()
        db.session.remove()
    assert open_checks(app) == 2
    result, statements = run_task(app, second)  # not skipped: its batch never committed
    assert result is not None
    assert statements > 0
    assert open_checks(app) == 0


def test_the_memory_is_bounded() -> None:
    memory = check_tasks.DecidedHere(size=3)
    memory.remember([1, 2, 3, 4, 5])
    assert [memory.consume(i) for i in (1, 2, 3, 4, 5, 5)] == [
        False,
        False,
        True,
        True,
        True,
        False,
    ]
