"""The people of the moderation desk: accounts, roles, passwords and API tokens.

Every decision, log entry and event names a :class:`~moderation.models.Moderator` (or the
system). Passwords are hashed with argon2id (RFC 9106's low-memory profile, above OWASP's
minimum); API tokens are random, shown once and stored as a SHA-256, and belong to a
moderator, so a token acts as that person and dies with their account.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy.orm import Session

from moderation.errors import FieldError
from moderation.errors import InvalidToken
from moderation.errors import ValidationFailed
from moderation.models import ApiToken
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.models import ModeratorSession
from moderation.services import audit
from moderation.services.audit import AuditAction

TOKEN_PREFIX = "mod_"  # noqa: S105 - a public prefix that makes leaked tokens greppable
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100
PASSWORD_MIN_LENGTH = 12

_hasher = PasswordHasher()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> Moderator | None:
    return session.scalar(sa.select(Moderator).where(Moderator.email == normalise_email(email)))


def create_moderator(
    session: Session,
    email: str,
    *,
    role: ModeratorRole,
    display_name: str = "",
    password: str | None = None,
    now: dt.datetime,
) -> Moderator:
    """Add a person to the desk.

    :raises ValidationFailed: an unusable address or name, an address already taken, or a
        password that is too short.
    """
    address = normalise_email(email)
    errors = []
    if "@" not in address or len(address) > EMAIL_MAX_LENGTH or any(c.isspace() for c in address):
        errors.append(FieldError("email", "invalid_email"))
    elif find_by_email(session, address) is not None:
        errors.append(FieldError("email", "already_taken"))
    name = display_name.strip() or address.partition("@")[0]
    if len(name) > NAME_MAX_LENGTH:
        errors.append(FieldError("display_name", "too_long", {"max": NAME_MAX_LENGTH}))
    if password is not None:
        errors.extend(password_problems(password))
    if errors:
        raise ValidationFailed(errors)
    moderator = Moderator(
        email=address,
        display_name=name,
        role=role,
        is_active=True,
        password_hash=hash_password(password) if password is not None else None,
        created_at=now,
    )
    session.add(moderator)
    session.flush()
    return moderator


def password_problems(password: str) -> list[FieldError]:
    if len(password) < PASSWORD_MIN_LENGTH:
        return [FieldError("password", "too_short", {"min": PASSWORD_MIN_LENGTH})]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(moderator: Moderator, password: str) -> bool:
    """Whether ``password`` is the moderator's; upgrades an outdated hash on success."""
    if moderator.password_hash is None:
        return False
    try:
        _hasher.verify(moderator.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(moderator.password_hash):
        moderator.password_hash = _hasher.hash(password)
    return True


def set_password(moderator: Moderator, password: str) -> None:
    """:raises ValidationFailed: the password is too short."""
    problems = password_problems(password)
    if problems:
        raise ValidationFailed(problems)
    moderator.password_hash = hash_password(password)


def generate_password() -> str:
    """A password for a new account, to be changed by its owner."""
    return secrets.token_urlsafe(15)


def moderators(session: Session) -> Sequence[Moderator]:
    return session.scalars(sa.select(Moderator).order_by(Moderator.email)).all()


def _digest(raw: str) -> str:
    # A plain SHA-256 is enough here: the token has 256 bits of entropy, so there is
    # nothing to brute-force, and lookups stay a single indexed equality.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(session: Session, moderator: Moderator, name: str, now: dt.datetime) -> str:
    """Issue an API token acting as ``moderator``; the raw value is returned once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            moderator_id=moderator.id, name=name[:100], token_hash=_digest(raw), created_at=now
        )
    )
    session.flush()
    return raw


def authenticate_token(session: Session, raw: str | None, now: dt.datetime) -> Moderator:
    """The active moderator a live token belongs to.

    :raises InvalidToken: missing, unknown or revoked token, or a deactivated moderator.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise InvalidToken()
    row = session.execute(
        sa.select(ApiToken, Moderator)
        .join(Moderator, Moderator.id == ApiToken.moderator_id)
        .where(ApiToken.token_hash == _digest(raw))
    ).one_or_none()
    if row is None:
        raise InvalidToken()
    token, moderator = row
    if token.revoked_at is not None or not moderator.is_active:
        raise InvalidToken()
    token.last_used_at = now
    return moderator


def revoke_tokens(
    session: Session, moderator: Moderator, now: dt.datetime, name: str | None = None
) -> int:
    """Revoke the moderator's live tokens (only those called ``name`` if given)."""
    query = sa.update(ApiToken).where(
        ApiToken.moderator_id == moderator.id, ApiToken.revoked_at.is_(None)
    )
    if name is not None:
        query = query.where(ApiToken.name == name)
    result = session.execute(query.values(revoked_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult on UPDATE


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the account is unknown, so that answer takes as long as a
    # wrong password does: the response time tells nothing about which accounts exist.
    return _hasher.hash(secrets.token_urlsafe(16))


def prepare_sign_in() -> None:
    """Compute the dummy hash ahead of the first sign-in (called at start-up)."""
    _dummy_hash()


def dummy_hash_is_current() -> bool:
    """Whether the dummy hash costs what a real one does (same argon2 parameters)."""
    return not _hasher.check_needs_rehash(_dummy_hash())


def verify_dummy(password: str) -> None:
    """Spend the time a password check takes, against no account."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_dummy_hash(), password)


def token_digest(raw: str) -> str:
    """The stored form of a random token (API or session)."""
    return _digest(raw)


# ----------------------------------------------------------------- the desk's accounts

#: How long an invitation link may be used.
INVITATION_LIFETIME = dt.timedelta(days=7)


def invitation_token(secret: str, moderator: Moderator, now: dt.datetime) -> str:
    """A link token that lets the invited person choose their password, once.

    Nothing is stored: the token is a MAC over the account and its current password hash,
    so it stops working as soon as a password is set (or the address changes).
    """
    expires = int((now + INVITATION_LIFETIME).timestamp())
    return f"{moderator.id}.{expires}.{_invitation_mac(secret, moderator, expires)}"


def _invitation_mac(secret: str, moderator: Moderator, expires: int) -> str:
    material = f"invite:{moderator.id}:{moderator.email}:{moderator.password_hash}:{expires}"
    return hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()[:40]


def invited_moderator(session: Session, secret: str, token: str, now: dt.datetime) -> Moderator:
    """The account an invitation token is for.

    :raises InvalidToken: malformed, forged, expired or already used.
    """
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise InvalidToken()
    moderator = session.get(Moderator, int(parts[0]))
    expires = int(parts[1])
    if (
        moderator is None
        or not moderator.is_active
        or moderator.password_hash is not None
        or expires < now.timestamp()
        or not hmac.compare_digest(parts[2], _invitation_mac(secret, moderator, expires))
    ):
        raise InvalidToken()
    return moderator


def accept_invitation(
    session: Session, secret: str, token: str, password: str, now: dt.datetime
) -> Moderator:
    """Set the invited person's first password (which also uses the invitation up).

    :raises InvalidToken: see :func:`invited_moderator`.
    :raises ValidationFailed: the password is too short.
    """
    moderator = invited_moderator(session, secret, token, now)
    set_password(moderator, password)
    audit.record(
        session,
        AuditAction.INVITATION_ACCEPTED,
        now=now,
        moderator_id=moderator.id,
        subject_moderator_id=moderator.id,
    )
    return moderator


def invite(
    session: Session,
    email: str,
    *,
    role: ModeratorRole,
    display_name: str,
    by: Moderator,
    now: dt.datetime,
) -> Moderator:
    """Add a person without a password; they choose it through their invitation link.

    :raises ValidationFailed: see :func:`create_moderator`.
    """
    moderator = create_moderator(session, email, role=role, display_name=display_name, now=now)
    audit.record(
        session,
        AuditAction.MODERATOR_INVITED,
        now=now,
        moderator_id=by.id,
        subject_moderator_id=moderator.id,
        details={"role": role.value},
    )
    return moderator


def _other_active_admins(session: Session, moderator: Moderator) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(Moderator.id)).where(
                Moderator.role == ModeratorRole.ADMIN,
                Moderator.is_active.is_(True),
                Moderator.id != moderator.id,
            )
        )
        or 0
    )


def change_role(
    session: Session, moderator: Moderator, role: ModeratorRole, *, by: Moderator, now: dt.datetime
) -> None:
    """:raises ValidationFailed: this would leave the desk without an active admin."""
    if moderator.role == role:
        return
    if moderator.role is ModeratorRole.ADMIN and not _other_active_admins(session, moderator):
        raise ValidationFailed([FieldError("role", "last_admin")])
    audit.record(
        session,
        AuditAction.ROLE_CHANGED,
        now=now,
        moderator_id=by.id,
        subject_moderator_id=moderator.id,
        details={"from": moderator.role.value, "to": role.value},
    )
    moderator.role = role


def set_active(
    session: Session, moderator: Moderator, active: bool, *, by: Moderator, now: dt.datetime
) -> None:
    """Deactivate (or reactivate) an account; a deactivated one's sessions and tokens stop.

    Accounts are never deleted: the log keeps naming who decided what.

    :raises ValidationFailed: this would leave the desk without an active admin.
    """
    if moderator.is_active == active:
        return
    if (
        not active
        and moderator.role is ModeratorRole.ADMIN
        and not _other_active_admins(session, moderator)
    ):
        raise ValidationFailed([FieldError("is_active", "last_admin")])
    moderator.is_active = active
    if not active:
        # Sessions and tokens already check the flag; removing the rows is tidiness.
        session.execute(
            sa.delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator.id)
        )
        revoke_tokens(session, moderator, now)
    audit.record(
        session,
        AuditAction.MODERATOR_REACTIVATED if active else AuditAction.MODERATOR_DEACTIVATED,
        now=now,
        moderator_id=by.id,
        subject_moderator_id=moderator.id,
    )
