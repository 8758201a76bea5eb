"""The Celery application: configuration, queues, beat schedule, and the task base class.

``make_celery(settings)`` builds it explicitly from :class:`~moderation.config.Settings`.
Each task runs inside an app context of a route-less Flask app (database and services
only), commits when its body returns and rolls back when it raises. Tasks are registered
under the names in ``moderation.tasks``; the web side publishes by those names.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from celery import Celery
from celery import Task
from celery.utils.time import get_exponential_backoff_interval
from flask import Flask
from flask_babel import Babel
from sqlalchemy.exc import OperationalError

from moderation import create_app
from moderation import tasks
from moderation.config import Settings
from moderation.db import db
from moderation.integrations.celery_producer import broker_transport_options
from moderation.integrations.celery_producer import task_queues
from moderation.integrations.embedded_broker import celery_settings as embedded_broker_settings
from moderation.integrations.redis_broker import celery_settings as redis_broker_settings

logger = logging.getLogger(__name__)

#: The beat entry of the search statistics' refresh.
REFRESH_SEARCH_STATISTICS = "refresh-search-statistics"


class AppContextTask(Task):  # type: ignore[type-arg]
    """Run the task body in a Flask app context; one commit per successful run."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flask_app: Flask = self.app.flask_app  # type: ignore[attr-defined]
        with flask_app.app_context():
            try:
                result = self.run(*args, **kwargs)
                try:
                    db.session.commit()
                except self._transient_errors() as error:
                    # The body's own errors are retried by ``autoretry_for`` around
                    # ``run``; the commit runs outside it, so retry it the same way
                    # rather than acknowledging and waiting for the sweeper.
                    db.session.rollback()
                    raise self._retry_after(error) from error
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
            return result

    def _transient_errors(self) -> tuple[type[Exception], ...]:
        return tuple(getattr(self, "autoretry_for", ())) or (OperationalError,)

    def _retry_after(self, error: Exception) -> BaseException:
        countdown = get_exponential_backoff_interval(
            factor=int(max(1.0, float(getattr(self, "retry_backoff", 1) or 1))),
            retries=self.request.retries,
            maximum=int(getattr(self, "retry_backoff_max", 600)),
            full_jitter=bool(getattr(self, "retry_jitter", True)),
        )
        logger.warning(
            "task=%s commit failed (%s); retry %d in %s s",
            self.name,
            type(error).__name__,
            self.request.retries + 1,
            countdown,
        )
        return self.retry(exc=error, countdown=countdown)


def embedded_broker(settings: Settings) -> dict[str, Any]:
    """Worker settings for the embedded SQLite broker (none for a real broker).

    The transport polls every 50 ms without querying while nothing changed, and takes
    the queues another process created at the same moment
    (``moderation.integrations.embedded_broker``). (``moderation serve`` also runs its one
    worker with the solo pool: see ``cli.serve``.)
    """
    return embedded_broker_settings(settings.broker_url)


def make_celery(settings: Settings, flask_app: Flask | None = None) -> Celery[Any]:
    """Build the worker/beat application for ``settings``."""
    app: Celery[Any] = Celery("moderation", task_cls=AppContextTask, set_as_current=True)
    app.flask_app = flask_app or create_app(settings, with_web=False)  # type: ignore[attr-defined]
    if "babel" not in app.flask_app.extensions:  # type: ignore[attr-defined]
        # Webhook messages are worded in the site's language, without a request.
        Babel(app.flask_app, default_domain="messages")  # type: ignore[attr-defined]
    schedule_file = Path(settings.instance_dir) / "celerybeat-schedule"
    app.conf.update(
        broker_transport_options=broker_transport_options(settings),
        **(
            {"broker_url": settings.broker_url}
            | redis_broker_settings(settings.broker_url)
            | embedded_broker(settings)
        ),
        broker_connection_retry_on_startup=True,
        # JSON only: no pickle, ever.
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # State lives in the database; nobody reads task results.
        task_ignore_result=True,
        # Acknowledge after the body returns: a worker that dies mid-check leaves the
        # message to be delivered again. The body is idempotent (compare-and-set).
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        # A child killed by the OS is acknowledged (no poison-message loop); the outbox
        # sweeper re-publishes its work once the lease has run out.
        task_reject_on_worker_lost=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # Each queue bound to an exchange and routing key of its own (not all to the
        # default one, which would copy every message into every queue).
        task_queues=task_queues(),
        task_default_queue=tasks.QUEUE_CHECKS,
        task_routes={name: {"queue": queue} for name, queue in tasks.TASK_QUEUES.items()},
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(schedule_file),
        beat_schedule={
            "sweep-outbox": {
                "task": tasks.TASK_SWEEP_OUTBOX,
                "schedule": dt.timedelta(seconds=settings.sweep_interval_seconds),
                "options": {"queue": tasks.QUEUE_MAINTENANCE, "expires": 300},
            },
            # Retries are due at their time: this sweep runs often (it is one indexed query).
            "sweep-webhooks": {
                "task": tasks.TASK_SWEEP_WEBHOOKS,
                "schedule": dt.timedelta(seconds=settings.webhook_sweep_interval_seconds),
                "options": {"queue": tasks.QUEUE_MAINTENANCE, "expires": 60},
            },
            # Which parts of a search term the trigram index is worth asking for (also
            # sent once when beat starts: workers.maintenance).
            REFRESH_SEARCH_STATISTICS: {
                "task": tasks.TASK_REFRESH_SEARCH_STATISTICS,
                "schedule": dt.timedelta(hours=1),
                "options": {"queue": tasks.QUEUE_MAINTENANCE, "expires": 3600},
            },
            # The built-in models learn from the moderators' decisions of the day.
            "retrain-models": {
                "task": tasks.TASK_RETRAIN_MODELS,
                "schedule": dt.timedelta(hours=settings.retrain_interval_hours),
                "options": {"queue": tasks.QUEUE_TRAINING, "expires": 3600},
            },
        },
        timezone="UTC",
        enable_utc=True,
    )
    from workers import checks
    from workers import maintenance
    from workers import training
    from workers import webhooks

    checks.register(app)
    maintenance.register(app)
    webhooks.register(app)
    training.register(app)
    return app
