"""The SQLAlchemy handle, declarative base and column types shared by every table.

The metadata carries a naming convention so constraint names are the same on SQLite and
PostgreSQL and Alembic can drop them by name. ``UTCDateTime`` makes every ``*_at`` column
tz-aware UTC on both backends (SQLite stores no offset of its own).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm import object_mapper
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


#: ``session.info`` key of the objects :func:`write_new` made persistent in the current
#: transaction: a rollback must drop them, as it drops what a flush inserted.
_WRITTEN_KEY = "moderation.db.written"


def write_new(session: Session) -> None:
    """Insert the objects added to ``session`` since its last flush, as a flush would.

    On PostgreSQL they are written by one statement (each ``INSERT`` a data-modifying
    ``WITH`` query, their generated keys read back by the ``SELECT`` around them) instead
    of one statement per table: one round trip, and none of the unit of work's per-object
    bookkeeping. They are then persistent in ``session``, with every column loaded. Other
    databases, and objects the statement cannot write as the flush would (a composite
    key, a default only the database or the flush computes), are flushed.
    """
    plain = session() if isinstance(session, scoped_session) else session
    pending = list(plain.new)
    rows = _insertable(pending) if plain.get_bind().dialect.name == "postgresql" else None
    if not rows or len(rows) < 2:
        plain.flush()
        return
    shape = tuple((table, tuple(values)) for _, table, _, values in rows)
    parameters = {
        f"p{index}_{name}": value
        for index, (_, _, _, values) in enumerate(rows)
        for name, value in values.items()
    }
    with plain.no_autoflush:
        keys = plain.execute(_insert_together(shape), parameters).one()
    written = plain.info.setdefault(_WRITTEN_KEY, [])
    for (instance, _, key, values), value in zip(rows, keys, strict=True):
        plain.expunge(instance)
        state = instance.__dict__
        # Only what the object lacked: the defaults written for it, and its key.
        for name, stored in values.items():
            if name not in state:
                setattr(instance, name, stored)
        setattr(instance, key.key, value)
        # Loaded as from a query: the session tracks later changes as UPDATEs.
        make_transient_to_detached(instance)
        plain.add(instance)
        written.append(instance)


@functools.lru_cache(maxsize=64)
def _insert_together(shape: tuple[tuple[sa.Table, tuple[str, ...]], ...]) -> sa.Select[Any]:
    """The statement of :func:`write_new` for these tables and columns, built once: bound
    parameters ``p<row>_<column>``, so SQLAlchemy compiles it once too."""
    ctes = []
    for index, (table, names) in enumerate(shape):
        (key,) = table.primary_key.columns
        row = {name: sa.bindparam(f"p{index}_{name}", type_=table.c[name].type) for name in names}
        ctes.append(sa.insert(table).values(row).returning(key).cte(f"new_{index}"))
    return sa.select(*(sa.select(cte.c[0]).scalar_subquery() for cte in ctes))


@functools.cache
def _table_order() -> dict[sa.Table, int]:
    """Each table's place in foreign-key order (sorting them costs more than a statement)."""
    return {table: index for index, table in enumerate(Base.metadata.sorted_tables)}


def _insertable(
    pending: list[object],
) -> list[tuple[object, sa.Table, sa.Column[Any], dict[str, Any]]] | None:
    """Each object with its table, generated key and full row, in the tables' foreign-key
    order; ``None`` if one of them needs the flush."""
    order = _table_order()
    rows = []
    for instance in pending:
        mapper = object_mapper(instance)
        table = mapper.local_table
        if mapper.inherits is not None or not isinstance(table, sa.Table):
            return None
        if len(table.primary_key.columns) != 1:
            return None  # a composite key: left to the flush
        (key,) = table.primary_key.columns
        state = instance.__dict__
        values: dict[str, Any] = {}
        for prop in mapper.column_attrs:
            (column,) = prop.columns
            if prop.key != column.key:
                return None  # an attribute named apart from its column: left to the flush
            default = column.default
            if prop.key in state and not (column is key and state[prop.key] is None):
                values[prop.key] = state[prop.key]
            elif column is key:
                continue  # generated by the database, read back
            elif default is None:
                values[prop.key] = None
            elif isinstance(default, sa.ColumnDefault) and default.is_scalar:
                values[prop.key] = default.arg
            elif isinstance(default, sa.ColumnDefault) and default.is_callable:
                values[prop.key] = default.arg(None)  # Core's wrapper takes the context
            else:
                return None
        rows.append((instance, table, key, values))
    rows.sort(key=lambda row: order[row[1]])
    return rows


@event.listens_for(Session, "after_commit")
def _written_committed(session: Session) -> None:
    session.info.pop(_WRITTEN_KEY, None)


@event.listens_for(Session, "after_rollback")
def _written_rolled_back(session: Session) -> None:
    # What the transaction inserted no longer exists: as the flush's own bookkeeping does
    # for the objects it inserted, they leave the session.
    for instance in session.info.pop(_WRITTEN_KEY, ()):
        if instance in session:
            session.expunge(instance)
