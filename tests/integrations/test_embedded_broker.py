"""The embedded broker's worker transport: no query while nothing changed, and a new
message is seen at the next poll."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from kombu import Connection
from kombu import Exchange
from kombu import Producer
from kombu import Queue
from kombu.transport import virtual

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
