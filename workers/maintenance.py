"""Periodic upkeep run by beat: publish again the work nobody finished; refresh the
search statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.services import maintenance
from moderation.services import search_statistics


def sweep_outbox() -> int:
    """Re-publish stale outbox messages; returns how many."""
    deps = current_app.extensions["moderation.deps"]
    return maintenance.sweep_outbox(db.session(), deps)


def refresh_search_statistics() -> int:
    """Sample the comments' trigrams for the queue's searches; returns how many."""
    return search_statistics.refresh(db.session())


def register(app: Celery[Any]) -> None:
    _upkeep(app, tasks.TASK_SWEEP_OUTBOX, sweep_outbox)
    _upkeep(app, tasks.TASK_REFRESH_SEARCH_STATISTICS, refresh_search_statistics)


def _upkeep(app: Celery[Any], name: str, body: Callable[[], int]) -> None:
    """An upkeep task: acknowledged once it ran, retried on a database hiccup, and cut
    short rather than left to hang (beat schedules it again anyway)."""
    app.task(
        name=name,
        acks_late=True,
        soft_time_limit=120,
        time_limit=150,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=3,
    )(body)
