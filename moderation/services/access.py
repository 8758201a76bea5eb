"""Getting into the workspace: sign-in with throttling, server-side sessions, passwords.

A workspace cookie holds only a random session token; the session itself is a row, so
signing out, changing one's password or being deactivated ends it for real, including in
any stolen copy of the cookie. Sign-in failures are counted per account name, known or
not, so neither the answers nor their timing tell which addresses have accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import LoginThrottle
from moderation.models import Moderator
from moderation.models import ModeratorSession
from moderation.services import audit
from moderation.services import moderators
from moderation.services.audit import AuditAction

# ----------------------------------------------------------------- signing in


#: Failed sign-ins on one account name before it is locked, and for how long, from any
#: address: guessing is then limited to 40 passwords an hour per account.
LOCK_AFTER_FAILURES = 10
LOCK_DURATION = dt.timedelta(minutes=15)


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    #: Unknown address, wrong password, no password yet or deactivated account: one answer.
    REFUSED = "refused"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: SignInOutcome
    moderator: Moderator | None = None


def throttle_key(secret: str, email: str) -> str:
    return hmac.new(
        secret.encode(), b"sign-in:" + moderators.normalise_email(email).encode(), hashlib.sha256
    ).hexdigest()


def sign_in(session: Session, secret: str, email: str, password: str, now: dt.datetime) -> SignIn:
    """Check a sign-in attempt, counting failures per account name (known or not).

    Every failure, whatever its cause, is :attr:`SignInOutcome.REFUSED` until the name
    has failed :data:`LOCK_AFTER_FAILURES` times; then it is
    :attr:`SignInOutcome.LOCKED` for :data:`LOCK_DURATION`, even with the right password.
    """
    key = throttle_key(secret, email)
    throttle = session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until is not None:
        if throttle.locked_until > now:
            audit.record(session, AuditAction.SIGN_IN_LOCKED, now=now, moderator_id=None)
            return SignIn(SignInOutcome.LOCKED)
        session.delete(throttle)
        session.flush()
        throttle = None
    moderator = (
        moderators.find_by_email(session, email)
        if len(email) <= moderators.EMAIL_MAX_LENGTH
        else None
    )
    if moderator is None or moderator.password_hash is None:
        moderators.verify_dummy(password)
        matched = False
    else:
        matched = moderators.password_matches(moderator, password)
    if matched and moderator is not None and moderator.is_active:
        if throttle is not None:
            session.delete(throttle)
        moderator.last_login_at = now
        return SignIn(SignInOutcome.SIGNED_IN, moderator)
    locked = _count_failure(session, key, throttle, now)
    subject = moderator.id if moderator is not None else None
    audit.record(
        session,
        AuditAction.SIGN_IN_LOCKED if locked else AuditAction.SIGN_IN_FAILED,
        now=now,
        moderator_id=None,
        subject_moderator_id=subject,
    )
    return SignIn(SignInOutcome.LOCKED if locked else SignInOutcome.REFUSED)


def _count_failure(
    session: Session, key: str, throttle: LoginThrottle | None, now: dt.datetime
) -> bool:
    """Count one failure; ``True`` if the account name is now locked."""
    if throttle is None:
        try:
            # Two failures at once for a new name meet the primary key: the loser re-reads.
            with session.begin_nested():
                throttle = LoginThrottle(key=key, failures=0, first_failure_at=now)
                session.add(throttle)
        except IntegrityError:
            throttle = session.get_one(LoginThrottle, key)
    elif now - throttle.first_failure_at > LOCK_DURATION:
        # Failures long ago do not add up with today's typo.
        throttle.failures = 0
        throttle.first_failure_at = now
    throttle.failures += 1
    if throttle.failures >= LOCK_AFTER_FAILURES:
        throttle.locked_until = now + LOCK_DURATION
        throttle.failures = 0
        return True
    return False


# ----------------------------------------------------------------- workspace sessions


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a workspace session lasts: in all, and without any request."""

    absolute: dt.timedelta
    idle: dt.timedelta


def open_session(
    session: Session, moderator: Moderator, now: dt.datetime, lifetimes: Lifetimes, user_agent: str
) -> str:
    """A new server-side session; the raw token (for the cookie) is returned once.

    Every sign-in gets a new token, so an identifier planted before sign-in is worthless.
    """
    raw = secrets.token_urlsafe(32)
    session.execute(
        sa.delete(ModeratorSession).where(
            ModeratorSession.moderator_id == moderator.id, ModeratorSession.expires_at <= now
        )
    )
    session.add(
        ModeratorSession(
            moderator_id=moderator.id,
            token_hash=moderators.token_digest(raw),
            user_agent=user_agent[:200],
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetimes.absolute,
        )
    )
    audit.record(
        session,
        AuditAction.SIGNED_IN,
        now=now,
        moderator_id=moderator.id,
        subject_moderator_id=moderator.id,
    )
    session.flush()
    return raw


#: last_seen_at is written at most this often: a session costs no write per request.
_TOUCH_EVERY = dt.timedelta(seconds=60)


def session_moderator(
    session: Session, raw: str | None, now: dt.datetime, lifetimes: Lifetimes
) -> tuple[Moderator, ModeratorSession] | None:
    """The active moderator of a live session, or ``None`` (ended, expired, idle, inactive)."""
    if not raw or len(raw) > 100:
        return None
    row = session.execute(
        sa.select(ModeratorSession, Moderator)
        .join(Moderator, Moderator.id == ModeratorSession.moderator_id)
        .where(ModeratorSession.token_hash == moderators.token_digest(raw))
    ).one_or_none()
    if row is None:
        return None
    live, moderator = row
    if (
        not moderator.is_active
        or live.expires_at <= now
        or now - live.last_seen_at > lifetimes.idle
    ):
        session.delete(live)
        return None
    if now - live.last_seen_at >= _TOUCH_EVERY:
        live.last_seen_at = now
    return moderator, live


def end_session(session: Session, raw: str | None, now: dt.datetime) -> None:
    """Sign out: the session ends for this browser and for every copy of its cookie."""
    if not raw:
        return
    live = session.scalar(
        sa.select(ModeratorSession).where(
            ModeratorSession.token_hash == moderators.token_digest(raw)
        )
    )
    if live is None:
        return
    audit.record(
        session,
        AuditAction.SIGNED_OUT,
        now=now,
        moderator_id=live.moderator_id,
        subject_moderator_id=live.moderator_id,
    )
    session.delete(live)


def end_other_sessions(
    session: Session, moderator: Moderator, keep_raw: str | None, now: dt.datetime
) -> int:
    """End every session of ``moderator`` but the one holding ``keep_raw``; returns how many."""
    query = sa.delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator.id)
    if keep_raw:
        query = query.where(ModeratorSession.token_hash != moderators.token_digest(keep_raw))
    ended = int(session.execute(query).rowcount)  # type: ignore[attr-defined]  # CursorResult
    if ended:
        audit.record(
            session,
            AuditAction.SESSIONS_ENDED,
            now=now,
            moderator_id=moderator.id,
            subject_moderator_id=moderator.id,
            details={"count": ended},
        )
    return ended


def live_sessions(
    session: Session, moderator: Moderator, now: dt.datetime
) -> Sequence[ModeratorSession]:
    return session.scalars(
        sa.select(ModeratorSession)
        .where(ModeratorSession.moderator_id == moderator.id, ModeratorSession.expires_at > now)
        .order_by(ModeratorSession.last_seen_at.desc())
    ).all()


def change_password(
    session: Session,
    moderator: Moderator,
    *,
    current: str,
    new: str,
    keep_raw: str | None,
    now: dt.datetime,
) -> None:
    """Replace the password and end every other session of its owner.

    :raises ValidationFailed: the current password is wrong or the new one too short.
    """
    errors = []
    if not moderators.password_matches(moderator, current):
        errors.append(FieldError("current_password", "wrong_password"))
    errors.extend(
        FieldError("new_password", p.code, p.params) for p in moderators.password_problems(new)
    )
    if errors:
        raise ValidationFailed(errors)
    moderator.password_hash = moderators.hash_password(new)
    audit.record(
        session,
        AuditAction.PASSWORD_CHANGED,
        now=now,
        moderator_id=moderator.id,
        subject_moderator_id=moderator.id,
    )
    end_other_sessions(session, moderator, keep_raw, now)


def token_hash(raw: str) -> str:
    """How a session token is stored (to recognise the current session in a list)."""
    return moderators.token_digest(raw)
