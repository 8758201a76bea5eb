"""Publish tasks to the broker by name, without importing the workers.

The web process only rings the doorbell: a bounded publish (short connect timeout, one
quick retry) so a broker outage never hangs a reader's request. The outbox row written
beforehand is what guarantees the work happens.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from moderation.config import Settings
from moderation.tasks import TASK_QUEUES

#: How the producer retries one publish before leaving the work to the sweeper.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    """Transport options shared by producers and workers."""
    if settings.broker_url.startswith("sqla+"):
        # The embedded broker (kombu's SQLAlchemy transport) passes these to
        # create_engine(); SQLite needs a busy timeout when web and worker both write.
        return {"connect_args": {"timeout": 30}}
    return {
        # Redis: an unacknowledged message comes back after this long. The outbox
        # sweeper re-publishes unfinished work much sooner, so this only bounds how
        # long a message can stay invisible.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 1,
    }


class CeleryPublisher:
    """Implements ``moderation.jobs.Publisher`` with ``Celery.send_task``."""

    def __init__(self, settings: Settings) -> None:
        self._app = Celery("moderation-producer", broker=settings.broker_url, set_as_current=False)
        self._app.conf.update(
            task_serializer="json",
            accept_content=["json"],
            broker_transport_options=broker_transport_options(settings),
            broker_connection_timeout=2,
            broker_connection_retry=False,
            broker_connection_max_retries=1,
        )

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        self._app.send_task(
            task_name,
            kwargs=kwargs,
            queue=TASK_QUEUES[task_name],
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
