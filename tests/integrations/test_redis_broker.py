"""The workers' Redis transport: an acknowledgement that times out on a frozen Redis frees
its prefetch slot, so the worker goes on consuming once Redis is back."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection
from kombu import Exchange
from kombu import Producer
from kombu import Queue

from moderation.config import Settings
from moderation.integrations import redis_broker
from tests.processes import started_redis
from workers.app import make_celery

QUEUE = Queue("checks", Exchange("checks", type="direct"), routing_key="checks")


@pytest.fixture
def frozen_later(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """A redis-server of this test's own (port, pid), which the test may freeze."""
    port, server = started_redis(tmp_path / "redis.log", "the frozen broker test")
    assert server.proc is not None
    try:
        yield port, server.proc.pid
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
        server.kill()


@pytest.mark.parametrize("settle", ["ack", "reject"])
def test_an_ack_lost_to_a_frozen_redis_leaves_the_channel_consuming(
    frozen_later: tuple[int, int], settle: str
) -> None:
    port, pid = frozen_later
    url = f"redis://127.0.0.1:{port}/0"
    options = {"socket_timeout": 1, "socket_connect_timeout": 1, "visibility_timeout": 3600}
    with Connection(url, transport=redis_broker.Transport, transport_options=options) as worker:
        channel = worker.channel()
        channel.basic_qos(prefetch_count=1)  # the workers' prefetch: one per process
        producer = Producer(channel)
        for n in (1, 2):
            producer.publish(
                {"n": n}, exchange=QUEUE.exchange, routing_key="checks", declare=[QUEUE]
            )
        first = channel.basic_get("checks")
        assert first is not None
        assert first.payload == {"n": 1}
        assert not channel.qos.can_consume(), "the one slot is taken until the ack"
        os.kill(pid, signal.SIGSTOP)
        try:
            with pytest.raises(redis.RedisError):
                # kombu logs "Couldn't ack" (or reject) and the worker carries on
                getattr(first, settle)()
        finally:
            os.kill(pid, signal.SIGCONT)
        assert channel.qos.can_consume(), "a lost ack must not keep the slot"
        second = channel.basic_get("checks")
        assert second is not None
        assert second.payload == {"n": 2}
        second.ack()
    # Closing put nothing back: the first message was not left among the channel's
    # delivered ones, to be handed out a second time at once. (Its removal from Redis's
    # unacknowledged index either ran once Redis woke, or Redis gives it out again after
    # the visibility timeout: the task is idempotent, and the outbox covers it anyway.)
    assert redis.Redis(port=port).llen("checks") == 0


def test_the_workers_use_it_for_a_redis_broker(tmp_path: Path) -> None:
    def transport_of(broker_url: str) -> type:
        settings = Settings.from_env(
            {
                "MODERATION_BROKER_URL": broker_url,
                "MODERATION_INSTANCE_DIR": str(tmp_path),
            }
        )
        with make_celery(settings).connection_for_read() as connection:
            return type(connection.transport)

    assert transport_of("redis://127.0.0.1:6379/12") is redis_broker.Transport
    # TLS: kombu's own transport, which sets TLS up for that scheme.
    assert transport_of("rediss://127.0.0.1:6379/12") is not redis_broker.Transport
    assert redis_broker.celery_settings("rediss://h:6380/0") == {}
