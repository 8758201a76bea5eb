"""Periodic upkeep run by beat: publish again the work nobody finished; refresh the
search statistics (also once when beat starts: after an install or an upgrade the
workspace's searches need not wait an hour for them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.signals import beat_init
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.services import maintenance
from moderation.services import search_statistics
from workers.app import REFRESH_SEARCH_STATISTICS

logger = logging.getLogger(__name__)


def sweep_outbox() -> int:
    """Re-publish stale outbox messages; returns how many."""
    deps = current_app.extensions["moderation.deps"]
    return maintenance.sweep_outbox(db.session(), deps)


def refresh_search_statistics() -> int:
    """Sample the comments' trigrams for the queue's searches; returns how many."""
    return search_statistics.refresh(db.session())


@beat_init.connect
def refresh_when_beat_starts(sender: Any, **_: object) -> None:
    """Beat's hourly refresh, once at its start (one beat per deployment)."""
    entry = sender.app.conf.beat_schedule[REFRESH_SEARCH_STATISTICS]
    try:
        sender.app.send_task(entry["task"], **entry["options"])
    except Exception:  # noqa: BLE001 - a broker down at start: the hourly run still comes
        logger.warning("could not ask for the search statistics at beat's start")


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
