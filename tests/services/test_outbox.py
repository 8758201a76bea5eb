"""The outbox and its sweeper, and the idempotent decision, driven with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.models import OutboxMessage
from moderation.services import checks
from moderation.services import comments
from moderation.services import decisions
from moderation.services import maintenance
from moderation.validation import CommentDraft
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import add_article


class Recording:
    """A publisher that remembers what it was asked to publish, and can be made to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.broken = False

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        if self.broken:
            raise ConnectionError("broker down")
        self.sent.append((task_name, kwargs))


@pytest.fixture
def rig(settings: Settings, backend) -> Iterator[tuple[Flask, Any, Recording, FrozenClock]]:  # type: ignore[no-untyped-def]
    clock = FrozenClock()
    publisher = Recording()
    app = build_app(settings, clock=clock, publisher=publisher)
    add_article(app)
    with app.app_context():
        yield app, app.extensions["moderation.deps"], publisher, clock
    _clean(app, backend)


#: A reader who took a minute to write (a form token came with the post).
PERSON = comments.ClientInfo(elapsed_seconds=60.0)


def submit(deps: Any, body: str = "Bonjour à tous") -> int:
    draft = CommentDraft(author_name="Ana", email="ana@example.org", body=body)
    comment = comments.submit_comment(db.session, deps, draft, article_key="a1", client=PERSON)
    comment_id = comment.id
    db.session.commit()
    return comment_id


def test_publish_happens_only_after_commit(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    draft = CommentDraft(author_name="Ana", email="ana@example.org", body="x")
    comment = comments.submit_comment(db.session, deps, draft, article_key="a1")
    assert publisher.sent == []
    db.session.rollback()
    assert publisher.sent == []
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
    comment_id = submit(deps)
    [(name, kwargs)] = publisher.sent
    assert name == tasks.TASK_CLASSIFY_COMMENT
    assert kwargs["comment_id"] == comment_id
    assert comment is not None


def test_broker_failure_keeps_the_comment_and_the_sweeper_republishes(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    publisher.broken = True
    comment_id = submit(deps)
    assert db.session.get(Comment, comment_id).status is CommentStatus.PENDING
    publisher.broken = False
    assert maintenance.sweep_outbox(db.session, deps) == 0  # not stale yet
    db.session.commit()
    clock.advance(seconds=deps.settings.outbox_stale_seconds + 1)
    assert maintenance.sweep_outbox(db.session, deps) == 1
    db.session.commit()
    assert [k["comment_id"] for _, k in publisher.sent] == [comment_id]
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.attempts == 2
    assert message.done_at is None
    # Backoff: the next republication waits twice as long.
    clock.advance(seconds=deps.settings.outbox_stale_seconds + 1)
    assert maintenance.sweep_outbox(db.session, deps) == 0
    clock.advance(seconds=deps.settings.outbox_stale_seconds * 2)
    assert maintenance.sweep_outbox(db.session, deps) == 1


def test_decision_is_idempotent_and_closes_the_outbox(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    comment_id = submit(deps, "Bonjour")
    assert publisher.sent == [(tasks.TASK_CLASSIFY_COMMENT, {"comment_id": comment_id})]
    other = submit(deps, "Un autre")
    assert checks.classify_and_decide(db.session, deps, comment_id) is CommentStatus.APPROVED
    db.session.commit()
    for _ in range(3):
        assert checks.classify_and_decide(db.session, deps, comment_id) is None
        db.session.commit()
    decisions = db.session.scalars(sa.select(ModerationDecision)).all()
    assert [(d.from_status, d.to_status, d.actor) for d in decisions] == [
        (CommentStatus.PENDING, CommentStatus.APPROVED, "system")
    ]
    # Only this comment's work is closed: the other comment's check is still due.
    open_keys = db.session.scalars(
        sa.select(OutboxMessage.key).where(OutboxMessage.done_at.is_(None))
    ).all()
    assert open_keys == [f"comment:{other}"]
    clock.advance(hours=1)
    assert maintenance.sweep_outbox(db.session, deps) == 1


def test_moderator_and_worker_race_changes_once(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    comment_id = submit(deps, "connard")
    public_id = db.session.get(Comment, comment_id).public_id
    decisions.apply_moderator_action(
        db.session, deps, public_id, decisions.Action.APPROVE, actor=decisions.Actor("bob")
    )
    db.session.commit()
    assert checks.classify_and_decide(db.session, deps, comment_id) is None
    db.session.commit()
    assert db.session.get(Comment, comment_id).status is CommentStatus.APPROVED


def test_checks_that_keep_failing_leave_the_comment_held(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    limited = deps.settings.replace(outbox_max_attempts=3)
    deps_limited = dataclasses.replace(deps, settings=limited)
    comment_id = submit(deps_limited)
    for _ in range(6):
        clock.advance(minutes=11)
        maintenance.sweep_outbox(db.session, deps_limited)
        db.session.commit()
    comment = db.session.get(Comment, comment_id)
    assert comment.status is CommentStatus.HELD
    assert comment.reasons[0]["code"] == "check_failed"
    assert db.session.scalar(sa.select(OutboxMessage.done_at)) is not None
    assert len(publisher.sent) == 3  # first publish + 2 republications, then it gave up


def test_banned_word_decision_stores_the_span(rig) -> None:  # type: ignore[no-untyped-def]
    app, deps, publisher, clock = rig
    comment_id = submit(deps, "Franchement, quel connard.")
    assert checks.classify_and_decide(db.session, deps, comment_id) is CommentStatus.REJECTED
    db.session.commit()
    comment = db.session.get(Comment, comment_id)
    [reason] = comment.reasons
    start, end = reason["spans"][0]
    assert comment.body_text[start:end] == "connard"
    assert comment.decided_at == clock.now()
