"""The retraining task: a real worker on the ``training`` queue adapts the spam model."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.db import db
from moderation.models import ModelVersion
from moderation.services import comments
from moderation.services import decisions
from moderation.validation import CommentDraft
from tests.helpers import add_article
from tests.processes import Process
from workers.training import retrain_models

pytestmark = pytest.mark.slow


def _decide_many(app: Flask) -> None:
    deps = app.extensions["moderation.deps"]
    with app.app_context():
        for i in range(30):
            spam = i % 2 == 0
            body = (
                f"Mobilier de jardin à prix cassé, livraison offerte, code {i}"
                if spam
                else f"Le jardin botanique rouvre enfin, merci pour l'article {i}"
            )
            draft = CommentDraft(author_name=f"R{i}", email=f"r{i}@example.org", body=body)
            comment = comments.submit_comment(db.session, deps, draft, article_key="a1")
            action = decisions.Action.SPAM if spam else decisions.Action.APPROVE
            decisions.apply_moderator_action(
                db.session, deps, comment.public_id, action, actor=decisions.Actor("mod")
            )
        db.session.commit()


def test_the_task_body_reports_each_kind_it_could_not_retrain(app: Flask) -> None:
    with app.app_context():
        assert retrain_models() == {
            "spam": "not_enough_decisions",
            "toxicity": "not_enough_decisions",
        }
        with pytest.raises(ValueError, match="unknown model kind"):
            retrain_models("weather")


def test_a_worker_retrains_the_spam_model_from_moderators(app: Flask, worker: Process) -> None:
    add_article(app)
    _decide_many(app)
    celery = app.extensions["moderation.deps"].publisher
    celery.publish(tasks.TASK_RETRAIN_MODELS, {"kind": "spam"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with app.app_context():
            row = db.session.scalar(sa.select(ModelVersion))
            if row is not None:
                break
        time.sleep(0.5)
    else:
        raise AssertionError(f"no model version after 120 s:\n{worker.log()}")
    assert row.kind == "spam"
    assert row.source == "moderators"
    assert row.is_active
    assert row.training["examples"] + row.training["held_out"] == 30
