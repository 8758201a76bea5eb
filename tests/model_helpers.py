"""Seeding the built-in models' versions and scored, decided comments (models page tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModelVersion
from moderation.models import ModerationDecision
from moderation.services import model_versions
from tests.helpers import add_article
from tests.helpers import post

TRAINED = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SHIPPED_SPAM = model_versions.shipped_version("spam")
OLDER = "spam-csv-2026-12-02-1"
NEWER = "spam-site-2026-12-03-1"


def _metrics(roc_auc: float, precision: float) -> dict[str, Any]:
    return {
        "rows": 12,
        "positives": 6,
        "roc_auc": roc_auc,
        "precision": precision,
        "recall": 0.5,
        "f1": 0.6,
        "threshold": 0.5,
        "auto_share_at_p95": 0.25,
    }


def seed_versions(app: Flask) -> tuple[int, int]:
    """Two spam versions: an older one from a file, then one from the moderators, in force."""
    with app.app_context():
        older = ModelVersion(
            kind="spam",
            version=OLDER,
            source="csv",
            is_active=False,
            training={"examples": 48, "positives": 20, "held_out": 12},
            validation={
                "new": _metrics(0.9375, 0.8),
                "in_force": _metrics(0.8125, 0.7),
                "in_force_version": SHIPPED_SPAM,
            },
            # The page never decodes a model: any bytes stand for the weights here.
            weights=b"weights",
            created_at=TRAINED,
            activated_at=TRAINED,
        )
        db.session.add(older)
        db.session.flush()
        newer = ModelVersion(
            kind="spam",
            version=NEWER,
            source="moderators",
            parent_id=older.id,
            is_active=True,
            training={"examples": 80, "positives": 30, "held_out": 20},
            validation={"new": _metrics(0.96, 0.9), "in_force": None, "in_force_version": None},
            weights=b"weights",
            created_at=TRAINED + dt.timedelta(days=1),
            activated_at=TRAINED + dt.timedelta(days=1),
        )
        db.session.add(newer)
        db.session.commit()
        return older.id, newer.id


def seed_scored_decisions(app: Flask) -> None:
    """Four comments decided by a moderator, scored live by openai and in shadow by perspective.

    perspective/toxicity pairs (score, label): (0.92, 1), (0.6, 1), (0.2, 0), (0.3, 1).
    """
    add_article(app)
    client = app.test_client()
    cases = [
        (CommentStatus.REJECTED, 0.92, 0.95),
        (CommentStatus.REJECTED, 0.6, 0.4),
        (CommentStatus.APPROVED, 0.2, 0.1),
        (CommentStatus.REJECTED, 0.3, 0.85),
        # Held by a moderator: says nothing, so it is not counted.
        (CommentStatus.HELD, 0.99, 0.99),
    ]
    ids = [post(client) for _ in cases]
    with app.app_context():
        for public_id, (status, perspective, openai) in zip(ids, cases, strict=True):
            comment = db.session.scalars(
                sa.select(Comment).where(Comment.public_id == public_id)
            ).one()
            comment.scores = {
                "openai": {
                    "model": "openai",
                    "version": "omni-moderation-latest",
                    "attributes": {"toxicity": openai},
                },
                "shadow:perspective": {
                    "model": "perspective",
                    "version": "v1alpha1",
                    "attributes": {"toxicity": perspective},
                    "shadow": True,
                },
            }
            db.session.add(
                ModerationDecision(
                    comment_id=comment.id,
                    source=DecisionSource.MODERATOR,
                    actor="Alice",
                    from_status=CommentStatus.HELD,
                    to_status=status,
                    reasons=[],
                    scores={},
                    created_at=TRAINED,
                )
            )
        db.session.commit()
