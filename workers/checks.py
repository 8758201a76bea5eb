"""The check tasks: run the checks on a comment (and those waiting with it), store verdicts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from celery import Celery
from celery import Task
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import jobs
from moderation import tasks
from moderation.db import db
from moderation.errors import TransientError
from moderation.services import check_batches
from moderation.services import spam_feedback


class DecidedHere:
    """Comments this process's batches decided, whose own tasks are still queued.

    The first task of a burst decides the comments waiting with it and closes their outbox
    rows; each of their tasks, arriving later, then has nothing to do. Remembered once the
    batch has committed, each comment is skipped by one task only, with no transaction:
    a later check of the same comment (a redelivery, a check asked again) reads the
    database as usual. Bounded; one per worker process.
    """

    def __init__(self, size: int = 4096) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def remember(self, ids: list[int]) -> None:
        with self._lock:
            self._ids.update(dict.fromkeys(ids))
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def consume(self, comment_id: int) -> bool:
        """Whether a batch here decided ``comment_id`` (and forget it)."""
        with self._lock:
            if comment_id not in self._ids:
                return False
            del self._ids[comment_id]
            return True


DECIDED_HERE = DecidedHere()


def classify_comment(task: Task, comment_id: int) -> str | None:  # type: ignore[type-arg]
    """Decide a pending comment, and the checks waiting with it, in one batch.

    A comment already decided is left alone. A required backend that does not answer
    makes the task retry; on its last attempt the comment is held.
    """
    comment_id = int(comment_id)
    if DECIDED_HERE.consume(comment_id):
        return None
    deps = current_app.extensions["moderation.deps"]
    final = task.request.retries >= deps.settings.classifier_attempts - 1
    session = db.session()
    statuses = check_batches.classify_batch(session, deps, comment_id, final_attempt=final)
    others = [other for other in statuses if other != comment_id]
    if others:
        jobs.after_commit(session, lambda: DECIDED_HERE.remember(others))
    status = statuses.get(comment_id)
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
