"""The embedded broker's worker transport: no query while nothing changed, and a new
message is seen at the next poll."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from kombu import Connection
from kombu import Exchange
from kombu import Producer
from kombu import Queue
from kombu.transport import virtual
from kombu.transport.sqlalchemy import models as kombu_models

from moderation.integrations import embedded_broker
from workers.app import embedded_broker as worker_settings


def test_idle_polls_make_no_query_and_a_new_message_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "broker.sqlite"
    queue = Queue("checks", Exchange("checks"), routing_key="checks")
    watcher = Connection(f"sqlite:///{path}", transport=embedded_broker.Transport)
    channel = watcher.channel()
    queue(channel).declare()
    engine, _ = channel._open()
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with pytest.raises(virtual.Empty):
            channel._get("checks")  # the first look queries
        statements.clear()
        for _ in range(20):
            with pytest.raises(virtual.Empty):
                channel._get("checks")
        assert statements == [], "an idle poll must not query the broker's tables"
        # The web publishes with kombu's plain SQLAlchemy transport, on its own connection.
        with Connection(f"sqla+sqlite:///{path}") as web:
            Producer(web.channel()).publish(
                {"hello": "world"}, exchange=queue.exchange, routing_key="checks", declare=[queue]
            )
        message = channel._get("checks")
        assert statements, "a commit by another connection makes the next poll query"
        assert embedded_broker.POLLING_INTERVAL <= 0.05
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        channel.close()
        watcher.close()
    assert message["properties"]["delivery_info"]["routing_key"] == "checks"


def test_the_worker_uses_it_only_for_the_embedded_broker(tmp_path: Path) -> None:
    from moderation.config import Settings

    embedded = Settings(broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite'}")
    chosen = worker_settings(embedded)
    assert chosen["broker_transport"].endswith("embedded_broker:Transport")
    assert chosen["broker_url"] == f"sqlite:///{tmp_path / 'b.sqlite'}"
    assert worker_settings(Settings(broker_url="redis://127.0.0.1:6379/0")) == {}


class _Meanwhile:
    """Runs ``then`` once, just before the first statement that starts with ``prefix``: what
    another process does between kombu's look and its write."""

    def __init__(self, prefix: str, then: Callable[[], None]) -> None:
        self.prefix = prefix
        self.then = then
        self.fired = False

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not self.fired and statement.lstrip().upper().startswith(self.prefix):
            self.fired = True
            self.then()

    def __enter__(self) -> _Meanwhile:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self)


def _deliver_and_receive(path: Path, channel: Any, queue: Queue) -> Any:
    with Connection(f"sqla+sqlite:///{path}") as web:
        Producer(web.channel()).publish(
            {"hello": "world"}, exchange=queue.exchange, routing_key=queue.name, declare=[queue]
        )
    return channel._get(queue.name)


def test_a_queue_row_another_process_inserted_meanwhile_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "broker.sqlite"
    queue = Queue("maintenance", Exchange("maintenance"), routing_key="maintenance")
    worker = Connection(f"sqlite:///{path}", transport=embedded_broker.Transport)
    channel = worker.channel()
    channel._open()

    def beat_declares_first() -> None:
        with sqlite3.connect(path) as other:
            other.execute("INSERT INTO kombu_queue (name) VALUES ('maintenance')")

    try:
        with _Meanwhile("INSERT INTO KOMBU_QUEUE", beat_declares_first) as race:
            queue(channel).declare()  # kombu's own channel raises IntegrityError here
        assert race.fired, "the race was not staged"
        message = _deliver_and_receive(path, channel, queue)
    finally:
        channel.close()
        worker.close()
    assert message["properties"]["delivery_info"]["routing_key"] == "maintenance"
    with sqlite3.connect(path) as check:
        rows = check.execute("SELECT count(*) FROM kombu_queue WHERE name = 'maintenance'")
        assert rows.fetchone() == (1,)


def test_tables_another_process_created_meanwhile_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "broker.sqlite"
    queue = Queue("checks", Exchange("checks"), routing_key="checks")

    def web_creates_them_first() -> None:
        other = sa.create_engine(f"sqlite:///{path}")
        kombu_models.metadata.create_all(other)
        other.dispose()

    worker = Connection(f"sqlite:///{path}", transport=embedded_broker.Transport)
    channel = worker.channel()
    try:
        with _Meanwhile("CREATE TABLE", web_creates_them_first) as race:
            queue(channel).declare()  # kombu's own channel raises "already exists" here
        assert race.fired, "the race was not staged"
        message = _deliver_and_receive(path, channel, queue)
    finally:
        channel.close()
        worker.close()
    assert message["properties"]["delivery_info"]["routing_key"] == "checks"


def test_the_web_publishes_with_it_on_the_embedded_broker(tmp_path: Path) -> None:
    from moderation.config import Settings
    from moderation.integrations.celery_producer import CeleryPublisher

    publisher = CeleryPublisher(Settings(broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite'}"))
    with publisher._app.connection_for_write() as connection:
        assert isinstance(connection.transport, embedded_broker.Transport)
