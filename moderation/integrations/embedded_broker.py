"""The embedded broker's worker side: kombu's SQLAlchemy transport, polled cheaply.

kombu's SQLAlchemy transport polls every second and runs, per queue and per poll, a
lookup, a ``BEGIN IMMEDIATE`` (SQLite's write lock) and a query, even when nothing
changed: at one poll a second the embedded worker decides one comment a second, and
polling faster would cost a core and fight the web for the write lock.

This transport polls every 50 ms, but first asks SQLite whether anything changed:
``PRAGMA data_version`` on a connection of its own returns a new value whenever another
connection committed to the file, and costs microseconds. A queue found empty is queried
again only after the value moved. Idle, the worker thus makes no query at all; a new
message is seen within one poll.

It also survives what kombu's transport does not: several processes (the web, the
worker, beat) opening the same broker file at once. kombu creates its tables and each
queue's row with a look followed by an insert, guarded by a lock of one process only; the
process that loses the race gets "table already exists" or a unique-constraint error, and
a worker that meets it while declaring its queues exits. Here the loser takes the winner's
tables and row.

Used by the worker (``workers.app``) and the web's publisher (``celery_producer``) when the
broker URL is ``sqla+sqlite://``, through :func:`celery_settings`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from kombu.transport import virtual
from kombu.transport.sqlalchemy import Channel as SqlChannel
from kombu.transport.sqlalchemy import Transport as SqlTransport

#: Seconds between two looks at the queues when all were empty.
POLLING_INTERVAL = 0.05


def celery_settings(broker_url: str) -> dict[str, Any]:
    """Celery settings that select this transport for an embedded broker URL, else none."""
    if not broker_url.startswith("sqla+"):
        return {}
    return {
        # Without the "sqla+" prefix, kombu takes the transport given here.
        "broker_url": broker_url.removeprefix("sqla+"),
        "broker_transport": f"{__name__}:Transport",
    }


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` (or ``sqla+sqlite:///path``) URL."""
    return url.removeprefix("sqla+").removeprefix("sqlite:///")


def _from_sqlite(error: Exception, kind: type[sqlite3.Error], words: str = "") -> bool:
    """Whether ``error`` (SQLAlchemy's, raised inside kombu's transport) wraps SQLite's
    ``kind`` with ``words`` in its message. The test is on SQLite's own error, which
    SQLAlchemy keeps as ``orig``: this layer does not import the database toolkit."""
    orig = getattr(error, "orig", None)
    return isinstance(orig, kind) and words in str(orig)


class Channel(SqlChannel):
    def __init__(self, connection: Any, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self._watch: sqlite3.Connection | None = None
        #: The data_version at which each queue was last found empty.
        self._empty_at: dict[str, int] = {}

    def _open(self) -> Any:
        try:
            return super()._open()
        except Exception as error:
            if not _from_sqlite(error, sqlite3.OperationalError, "already exists"):
                raise
            # Another process created the tables between kombu's look and its CREATE;
            # nothing was kept of this try, and the next one finds them.
            return super()._open()

    def _get_or_create(self, queue: str) -> Any:
        try:
            return super()._get_or_create(queue)  # type: ignore[misc]  # not in kombu's stubs
        except Exception as error:
            if not _from_sqlite(error, sqlite3.IntegrityError):
                raise
            # Another process inserted the queue's row between kombu's look and its insert.
            self.session.rollback()
            return super()._get_or_create(queue)  # type: ignore[misc]  # not in kombu's stubs

    def _data_version(self) -> int:
        if self._watch is None:
            client = self.connection.client
            assert client is not None  # a channel exists only on an open connection
            path = sqlite_path(str(client.hostname))
            self._watch = sqlite3.connect(path, timeout=30, check_same_thread=False)
        row = self._watch.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        version = self._data_version()
        if self._empty_at.get(queue) == version:
            raise virtual.Empty()
        try:
            return super()._get(queue)
        except virtual.Empty:
            # Read before the query: a message committed meanwhile moves the version,
            # so the next poll queries again and cannot miss it.
            self._empty_at[queue] = version
            raise

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        super().close()


class Transport(SqlTransport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL
