"""Moderation tasks: run the checks on one comment and store the verdict."""

from __future__ import annotations

from celery import Celery
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import jobs
from moderation.db import db
from moderation.errors import TransientError
from moderation.services import moderation as moderation_service

#: Retries for failures that may pass (a database restart, an outside service hiccup).
RETRY_OPTIONS = {
    "autoretry_for": (TransientError, OperationalError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def classify_comment(comment_id: int, outbox_id: int | None = None) -> str | None:
    """Decide a pending comment; a comment already decided is left alone."""
    deps = current_app.extensions["moderation.deps"]
    status = moderation_service.classify_and_decide(
        db.session, deps, int(comment_id), int(outbox_id) if outbox_id is not None else None
    )
    return status.value if status is not None else None


def register(app: Celery) -> None:
    app.task(
        name=jobs.TASK_CLASSIFY_COMMENT,
        acks_late=True,
        soft_time_limit=60,
        time_limit=90,
        **RETRY_OPTIONS,
    )(classify_comment)
