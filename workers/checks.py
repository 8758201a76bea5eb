"""The check tasks: run the checks on a comment (and those waiting with it), store verdicts."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery import Task
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.errors import TransientError
from moderation.services import check_batches
from moderation.services import spam_feedback


def classify_comment(task: Task, comment_id: int) -> str | None:  # type: ignore[type-arg]
    """Decide a pending comment, and the checks waiting with it, in one batch.

    A comment already decided is left alone. A required backend that does not answer
    makes the task retry; on its last attempt the comment is held.
    """
    deps = current_app.extensions["moderation.deps"]
    final = task.request.retries >= deps.settings.classifier_attempts - 1
    statuses = check_batches.classify_batch(
        db.session(), deps, int(comment_id), final_attempt=final
    )
    status = statuses.get(int(comment_id))
    return status.value if status is not None else None


def report_spam_feedback(comment_id: int, is_spam: bool) -> bool:
    """Tell the outside spam filter what a moderator decided."""
    deps = current_app.extensions["moderation.deps"]
    return spam_feedback.report(db.session(), deps, int(comment_id), bool(is_spam))


def register(app: Celery[Any]) -> None:
    app.task(
        name=tasks.TASK_REPORT_SPAM_FEEDBACK,
        acks_late=True,
        soft_time_limit=60,
        time_limit=90,
        autoretry_for=(TransientError, OperationalError),
        retry_backoff=True,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=8,
    )(report_spam_feedback)
    app.task(
        name=tasks.TASK_CLASSIFY_COMMENT,
        bind=True,
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
