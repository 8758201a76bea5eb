"""The SQLAlchemy handle, declarative base and column types shared by every table.

The metadata carries a naming convention so constraint names are the same on SQLite and
PostgreSQL and Alembic can drop them by name. ``UTCDateTime`` makes every ``*_at`` column
tz-aware UTC on both backends (SQLite stores no offset of its own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import ConnectionPoolEntry

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back tz-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime(), dict[str, Any]: sa.JSON()},
    )


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: ConnectionPoolEntry) -> None:
    # The embedded default: WAL lets the worker read while the web writes, NORMAL
    # synchronous is durable across process crashes, and a busy timeout turns the brief
    # write-lock waits between web and worker into waits rather than errors.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def engine_options(database_url: str) -> dict[str, Any]:
    """Pool settings per backend (SQLite files need no pool tuning).

    ``hide_parameters`` keeps bound values (emails, addresses, bodies) out of the messages
    of database errors, which end up in logs with their tracebacks.
    """
    if database_url.startswith("sqlite"):
        return {"hide_parameters": True}
    return {
        "hide_parameters": True,
        # No ping before each checkout: it was a round trip on every request. After a
        # database restart the first statement on a stale connection fails once, and
        # SQLAlchemy then recycles the whole pool (the request is a 500, the task a retry).
        "pool_pre_ping": False,
        "pool_size": 5,
        "max_overflow": 10,
        "pool_recycle": 1800,
    }


def per_transaction(session: Session, key: str, load: Callable[[], T]) -> T:
    """``load()``, remembered on ``session`` until its current transaction ends.

    For what a request or a task reads once and changes rarely (site settings, the word
    list's version): the next transaction (another request, the next task) reads it again.
    A writer in the same transaction calls :func:`forget`.
    """
    plain = session() if isinstance(session, scoped_session) else session
    transaction = plain.get_transaction()
    cached = session.info.get(key)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    value = load()
    # Kept with the transaction it was read in (``load`` begins one if none was open).
    remember(session, key, value)
    return value


def remember(session: Session, key: str, value: object) -> None:
    """Keep ``value`` as :func:`per_transaction` would have, for the current transaction:
    for a value its caller read inside a statement of its own. No-op outside a transaction.
    """
    plain = session() if isinstance(session, scoped_session) else session
    current = plain.get_transaction()
    if current is not None:
        # By reference, so a later transaction can never be the same object.
        session.info[key] = (current, value)


def forget(session: Session, key: str) -> None:
    """Drop what :func:`per_transaction` remembers under ``key``."""
    session.info.pop(key, None)
