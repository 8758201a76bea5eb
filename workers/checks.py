"""The check tasks: run the checks on a comment and store the verdict."""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.errors import TransientError
from moderation.services import checks


def classify_comment(comment_id: int) -> str | None:
    """Decide a pending comment; a comment already decided is left alone."""
    deps = current_app.extensions["moderation.deps"]
    status = checks.classify_and_decide(db.session(), deps, int(comment_id))
    return status.value if status is not None else None


def register(app: Celery[Any]) -> None:
    app.task(
        name=tasks.TASK_CLASSIFY_COMMENT,
        acks_late=True,
        soft_time_limit=60,
        time_limit=90,
        # Retries for failures that may pass (a database restart, an outside service
        # hiccup), with exponential backoff and jitter; after that the sweeper takes over.
        autoretry_for=(TransientError, OperationalError),
        retry_backoff=True,
        retry_backoff_max=300,
        retry_jitter=True,
        max_retries=5,
    )(classify_comment)
