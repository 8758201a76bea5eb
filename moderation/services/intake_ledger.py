"""Intake's own bookkeeping: spent single-use tokens, and counts of silent refusals.

Form render tokens and author hand-offs are signed, so the server needs no state to know
that one is genuine; the spent-token table is the only state needed to refuse its reuse
(spending records its nonce until it expires; a second use fails). Submissions refused
without keeping anything of them (a filled honeypot) only add one to a daily counter.
Both live in the database, so they work the same on the embedded SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from moderation.models import IntakeCounter
from moderation.models import SpentToken


def digest(kind: str, nonce: str) -> str:
    """The stored form of a nonce: hashed, and separated by the kind of token."""
    return hashlib.sha256(f"{kind}\0{nonce}".encode()).hexdigest()


def spend(session: Session, kind: str, nonce: str, *, expires_at: dt.datetime) -> bool:
    """Mark the token spent; ``False`` if it already was (then nothing changes)."""
    values = {"digest": digest(kind, nonce), "expires_at": expires_at}
    dialect = session.get_bind().dialect.name
    # INSERT ... ON CONFLICT DO NOTHING: one statement, no savepoint, and a concurrent
    # second use of the same token waits for the first and then finds the row.
    # RETURNING rather than rowcount: drivers do not all count a row skipped on conflict.
    if dialect == "postgresql":
        pg = postgresql.insert(SpentToken).values(values).on_conflict_do_nothing()
        inserted = session.scalar(pg.returning(SpentToken.digest))
    elif dialect == "sqlite":
        lite = sqlite.insert(SpentToken).values(values).on_conflict_do_nothing()
        inserted = session.scalar(lite.returning(SpentToken.digest))
    else:  # pragma: no cover - the two supported backends are above
        raise NotImplementedError(dialect)
    return inserted is not None


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Forget tokens that could no longer be used anyway; returns how many."""
    result = session.execute(sa.delete(SpentToken).where(SpentToken.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_refusal(session: Session, kind: str, now: dt.datetime) -> None:
    """Add one to today's count of ``kind`` (an upsert: concurrent posts both count)."""
    day = now.astimezone(dt.UTC).date()
    values = {"day": day, "kind": kind, "count": 1}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(IntakeCounter).values(values)
        session.execute(
            pg.on_conflict_do_update(
                index_elements=["day", "kind"], set_={"count": IntakeCounter.count + 1}
            )
        )
    else:
        lite = sqlite.insert(IntakeCounter).values(values)
        session.execute(
            lite.on_conflict_do_update(
                index_elements=["day", "kind"], set_={"count": IntakeCounter.count + 1}
            )
        )
