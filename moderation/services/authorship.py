"""Proof that a reader wrote a comment: the author token, and short-lived hand-offs.

Intake returns a random author token once; only its SHA-256 is stored. Whoever presents
the token may see the comment while it is not public (pending, held) and learn its
outcome. Nobody else may: a comment's public id is not a secret once it has been shown.

A hand-off carries that proof across a redirect (the WordPress-style form endpoint sends
the reader back to the article page): it names the comment, expires after a few minutes,
is bound to the comment's token hash with an HMAC under the app secret, and is spent on
first use. It is never stored by the widget, so a link passed to someone else shows them
nothing once it has been used or has expired.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.services import intake_ledger

#: How long a hand-off may be exchanged after the post that made it.
HANDOFF_LIFETIME = dt.timedelta(minutes=5)
_HANDOFF = "handoff"
_MAX_PROOF_LENGTH = 200


def new_author_token() -> tuple[str, str]:
    """A fresh author token (256 bits, URL-safe) and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    # Plain SHA-256 is enough: the token is random and long, so there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


def decoy_token() -> str:
    """A value shaped like an author token, for answers that must look like acceptance."""
    return secrets.token_urlsafe(32)


def holds_token(comment: Comment, token: str | None) -> bool:
    """Whether ``token`` is the author token of ``comment``."""
    if not token or len(token) > _MAX_PROOF_LENGTH or not comment.author_token_hash:
        return False
    return hmac.compare_digest(token_hash(token), comment.author_token_hash)


def _mac(secret: str, public_id: str, hashed: str, expires: int) -> str:
    message = f"{_HANDOFF}\0{public_id}\0{hashed}\0{expires}".encode()
    raw = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def make_handoff(secret: str, comment: Comment, now: dt.datetime) -> str | None:
    """A hand-off for ``comment`` valid for :data:`HANDOFF_LIFETIME` (``None`` if the
    comment has no author token)."""
    if not comment.author_token_hash:
        return None
    expires = int((now + HANDOFF_LIFETIME).timestamp())
    return f"{expires}.{_mac(secret, comment.public_id, comment.author_token_hash, expires)}"


def redeem_handoff(
    session: Session, secret: str, comment: Comment, handoff: str | None, now: dt.datetime
) -> bool:
    """Whether ``handoff`` proves authorship of ``comment`` now; spends it if so."""
    if not handoff or len(handoff) > _MAX_PROOF_LENGTH or not comment.author_token_hash:
        return False
    raw_expires, _dot, mac = handoff.partition(".")
    if not raw_expires.isascii() or not raw_expires.isdigit() or len(raw_expires) > 12:
        return False
    expires = int(raw_expires)
    expected = _mac(secret, comment.public_id, comment.author_token_hash, expires)
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return False
    expires_at = dt.datetime.fromtimestamp(expires, dt.UTC)
    if expires_at <= now or expires_at > now + HANDOFF_LIFETIME:
        return False
    return intake_ledger.spend(session, _HANDOFF, mac, expires_at=expires_at)
