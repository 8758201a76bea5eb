"""Moderators' decisions go back to Akismet (submit-spam / submit-ham) with the original
context, through the outbox, only when they contradict what Akismet said."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.config import IpStorage
from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import OutboxMessage
from moderation.services import check_batches
from moderation.services import comments
from moderation.services import decisions
from moderation.services import spam_feedback
from moderation.validation import CommentDraft
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article
from tests.integrations import scoring_servers as fake

MODERATOR = decisions.Actor("Alice", None)


@pytest.fixture
def akismet_server() -> Iterator[fake.FakeService]:
    with fake.serve(fake.akismet()) as service:
        yield service


@pytest.fixture
def rig(settings: Settings, backend: Any, akismet_server: fake.FakeService) -> Iterator[Any]:
    changed = settings.replace(
        builtin_models=False,
        classifiers=("akismet",),
        akismet_api_key="good-key",
        akismet_url=akismet_server.url,
        ip_storage=IpStorage.FULL,
        classifier_retries=0,
    )
    app: Flask = build_app(changed, clock=FrozenClock(), publisher=Quiet())
    with app.app_context():
        add_article(app)
        yield app.extensions["moderation.deps"]
        db.session.remove()
    _clean(app, backend)


def submit_and_check(deps: Any, body: str, email: str) -> Comment:
    draft = CommentDraft(author_name="Ana", email=email, body=body)
    client = comments.ClientInfo(
        ip="203.0.113.9",
        user_agent="Mozilla/5.0 (reader)",
        referrer="https://www.journal.example/a1",
        elapsed_seconds=60.0,
    )
    comment = comments.submit_comment(db.session(), deps, draft, article_key="a1", client=client)
    db.session.commit()
    check_batches.classify_batch(db.session(), deps, comment.id)
    db.session.commit()
    db.session.refresh(comment)
    return comment


def feedback_rows() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.task_name == tasks.TASK_REPORT_SPAM_FEEDBACK
            )
        )
    )


def test_approving_what_akismet_called_spam_reports_ham_with_the_original_context(
    rig: Any, akismet_server: fake.FakeService
) -> None:
    comment = submit_and_check(rig, "Gagnez un abonnement au journal, vraiment ?", "a@example.org")
    assert comment.status is CommentStatus.HELD
    decisions.apply_moderator_action(
        db.session(), rig, comment.public_id, decisions.Action.APPROVE, actor=MODERATOR
    )
    db.session.commit()
    [row] = feedback_rows()
    assert row.payload == {"comment_id": comment.id, "is_spam": False}
    assert spam_feedback.report(db.session(), rig, comment.id, is_spam=False)
    db.session.commit()
    sent = akismet_server.received[-1]
    assert sent.path == "/1.1/submit-ham"
    form = sent.form()
    assert form["user_ip"] == "203.0.113.9"
    assert form["user_agent"] == "Mozilla/5.0 (reader)"
    assert form["referrer"] == "https://www.journal.example/a1"
    assert form["permalink"] == "https://www.journal.example/a1"
    assert form["comment_author_email"] == "a@example.org"
    db.session.refresh(row)
    assert row.done_at is not None


def test_spam_akismet_missed_is_reported_and_agreement_is_not(
    rig: Any, akismet_server: fake.FakeService
) -> None:
    missed = submit_and_check(rig, "Super article, voyez aussi mon site", "b@example.org")
    agreed = submit_and_check(rig, "Un avis sincère sur la réforme", "c@example.org")
    assert missed.status is CommentStatus.APPROVED
    decisions.apply_moderator_action(
        db.session(), rig, missed.public_id, decisions.Action.SPAM, actor=MODERATOR
    )
    decisions.apply_moderator_action(
        db.session(), rig, agreed.public_id, decisions.Action.HOLD, actor=MODERATOR
    )
    db.session.commit()
    [row] = feedback_rows()
    assert row.payload == {"comment_id": missed.id, "is_spam": True}
    spam_feedback.report(db.session(), rig, missed.id, is_spam=True)
    assert akismet_server.received[-1].path == "/1.1/submit-spam"
