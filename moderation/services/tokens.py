"""Moderator API tokens: issued once, stored only as a SHA-256, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import InvalidToken
from moderation.models import ApiToken

TOKEN_PREFIX = "mod_"  # noqa: S105 - a public prefix that makes leaked tokens greppable


def _digest(raw: str) -> str:
    # A plain SHA-256 is enough here: the token has 256 bits of entropy, so there is
    # nothing to brute-force, and lookups stay a single indexed equality.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(session: Session, name: str, now: dt.datetime) -> str:
    """Issue a token for ``name``; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name[:100], token_hash=_digest(raw), created_at=now))
    session.flush()
    return raw


def authenticate(session: Session, raw: str | None, now: dt.datetime) -> ApiToken:
    """The live token matching ``raw``.

    :raises InvalidToken: missing, unknown or revoked.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise InvalidToken()
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        raise InvalidToken()
    token.last_used_at = now
    return token


def revoke_token(session: Session, name: str, now: dt.datetime) -> int:
    """Revoke every live token issued under ``name``; returns how many."""
    result = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult on UPDATE
