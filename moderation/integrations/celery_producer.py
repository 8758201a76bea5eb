"""Publish tasks to the broker by name, without importing the workers.

The web process only rings the doorbell: the outbox row written beforehand is what
guarantees the work happens, so a publish is bounded and may be skipped. On Redis the
message is pushed with one ``LPUSH`` on a kept client with short timeouts (a frozen broker
costs one request a fraction of a second, then the circuit breaker skips it); on the
embedded broker Celery's own producer is used. Either way a failure is counted by the
breaker, which logs the outage, and never raised into the request.

The queues are declared here too, each bound to an exchange and routing key of its own,
so that the worker (``workers.app``) and this producer route the same way.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import uuid
from typing import Any

import redis
from celery import Celery
from kombu import Exchange
from kombu import Queue
from redis.backoff import NoBackoff
from redis.retry import Retry

from moderation.config import Settings
from moderation.integrations import embedded_broker
from moderation.integrations.breaker import CircuitBreaker
from moderation.tasks import QUEUE_CHECKS
from moderation.tasks import QUEUE_MAINTENANCE
from moderation.tasks import QUEUE_TRAINING
from moderation.tasks import QUEUE_WEBHOOKS
from moderation.tasks import TASK_QUEUES

logger = logging.getLogger(__name__)

#: How long the web waits on the broker before leaving the work to the sweeper.
PUBLISH_TIMEOUT_SECONDS = 0.25
#: How long a process skips the broker after a failed publish.
BREAKER_COOLDOWN_SECONDS = 5.0


def task_queues() -> list[Queue]:
    """Every queue with its own direct exchange and routing key (both named after it)."""
    return [
        Queue(name, Exchange(name, type="direct"), routing_key=name)
        for name in (QUEUE_CHECKS, QUEUE_MAINTENANCE, QUEUE_WEBHOOKS, QUEUE_TRAINING)
    ]


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    """Transport options of the workers' connection to the broker."""
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


def make_publisher(settings: Settings) -> RedisDoorbell | CeleryPublisher:
    """The publisher for the configured broker."""
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return RedisDoorbell(settings.broker_url)
    return CeleryPublisher(settings)


class RedisDoorbell:
    """Implements ``moderation.jobs.Publisher`` with one ``LPUSH`` of a Celery message.

    The message is built by Celery (protocol 2, JSON) and wrapped the way kombu's Redis
    transport stores it, then pushed on the queue's list, which is what kombu does for a
    direct exchange bound to a queue of the same name (see :func:`task_queues`).
    """

    def __init__(self, url: str, *, breaker: CircuitBreaker | None = None) -> None:
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            socket_timeout=PUBLISH_TIMEOUT_SECONDS,
            # No retry inside redis-py: a frozen server would cost each retry again.
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self._app = Celery("moderation-producer", set_as_current=False)
        self._origin = f"web@{socket.gethostname()}"
        self.breaker = breaker or CircuitBreaker("broker", cooldown=BREAKER_COOLDOWN_SECONDS)

    def message(self, task_name: str, kwargs: dict[str, Any]) -> tuple[str, bytes]:
        """The queue and the serialized message for ``task_name(**kwargs)``."""
        queue = TASK_QUEUES[task_name]
        task_id = str(uuid.uuid4())
        amqp = self._app.amqp
        task = amqp.as_task_v2(
            task_id,
            task_name,
            args=(),
            kwargs=kwargs,
            origin=self._origin,
            # The reprs shown in the worker's logs and events: Celery's own (saferepr)
            # cost more than building the rest of the message; ids repr plainly.
            argsrepr="()",
            kwargsrepr=repr(kwargs)[: amqp.kwargsrepr_maxsize],
        )
        body = json.dumps(task.body).encode()
        properties = dict(task.properties)
        properties.update(
            body_encoding="base64",
            delivery_mode=2,
            priority=0,
            delivery_tag=str(uuid.uuid4()),
            delivery_info={"exchange": queue, "routing_key": queue},
        )
        envelope = {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": task.headers,
            "properties": properties,
        }
        return queue, json.dumps(envelope).encode()

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        if not self.breaker.allow():
            return
        queue, payload = self.message(task_name, kwargs)
        try:
            self._redis.lpush(queue, payload)
        except (redis.RedisError, OSError) as error:
            # The connection may be half-used: drop it so the next try starts clean.
            self._redis.connection_pool.disconnect()
            self.breaker.failed(error)
            return
        self.breaker.succeeded()


class CeleryPublisher:
    """Implements ``moderation.jobs.Publisher`` with ``Celery.send_task`` (any broker)."""

    def __init__(self, settings: Settings, *, breaker: CircuitBreaker | None = None) -> None:
        self._app = Celery("moderation-producer", broker=settings.broker_url, set_as_current=False)
        self._app.conf.update(
            # The embedded broker: the transport that survives the worker's start-up race.
            **embedded_broker.celery_settings(settings.broker_url),
            task_serializer="json",
            accept_content=["json"],
            task_queues=task_queues(),
            broker_transport_options=broker_transport_options(settings),
            broker_connection_timeout=2,
            broker_connection_retry=False,
            broker_connection_max_retries=1,
        )
        self.breaker = breaker or CircuitBreaker("broker", cooldown=BREAKER_COOLDOWN_SECONDS)

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        if not self.breaker.allow():
            return
        try:
            self._app.send_task(
                task_name,
                kwargs=kwargs,
                queue=TASK_QUEUES[task_name],
                retry=False,
            )
        except Exception as error:  # noqa: BLE001 - kombu raises many kinds; the outbox covers it
            self.breaker.failed(error)
            return
        self.breaker.succeeded()
