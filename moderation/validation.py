"""Turn a reader's raw submission into a :class:`CommentDraft`, or say field by field why not.

The only module that imports email_validator. Values come from JSON or an HTML form, so
each one is checked for type as well as content. Errors are codes with parameters
(``moderation.errors.FieldError``); the web layer words them in the reader's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError
from email_validator import validate_email

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.urls import domain_key
from moderation.urls import origin_of

#: Name of the form field hidden from people; bots fill it in.
HONEYPOT_FIELD = "company"

EMAIL_MAX_LENGTH = 254
PARENT_ID_MAX_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Limits:
    """Length limits, from the settings."""

    name_max: int = 80
    body_min: int = 1
    body_max: int = 5000
    website_max: int = 200
    check_deliverability: bool = False


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """A submission whose fields are each well-formed (the body is still raw)."""

    author_name: str
    email: str
    body: str
    website: str | None = None
    parent_id: str | None = None
    honeypot_filled: bool = False


def parse_submission(data: Mapping[str, object], limits: Limits) -> CommentDraft:
    """Validate every field and collect all errors before raising.

    :raises ValidationFailed: with one :class:`FieldError` per invalid field.
    """
    errors: list[FieldError] = []
    name = _text(data, "author_name", errors, required=True, max_len=limits.name_max)
    if name and _has_control_chars(name):
        errors.append(FieldError("author_name", "control_chars"))
    email = _email(data, errors, limits.check_deliverability)
    website = _website(data, errors, limits.website_max)
    body = _text(
        data,
        "body",
        errors,
        required=True,
        max_len=limits.body_max,
        min_len=limits.body_min,
        multiline=True,
    )
    parent = _text(data, "parent_id", errors, required=False, max_len=PARENT_ID_MAX_LENGTH)
    honeypot = data.get(HONEYPOT_FIELD)
    if errors:
        raise ValidationFailed(errors)
    return CommentDraft(
        author_name=name or "",
        email=email or "",
        body=body or "",
        website=website,
        parent_id=parent or None,
        honeypot_filled=bool(honeypot),
    )


def _text(
    data: Mapping[str, object],
    key: str,
    errors: list[FieldError],
    *,
    required: bool,
    max_len: int,
    min_len: int = 1,
    multiline: bool = False,
) -> str | None:
    raw = data.get(key)
    if raw is None or raw == "":
        if required:
            errors.append(FieldError(key, "required"))
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and key == "parent_id":
        raw = str(raw)
    if not isinstance(raw, str):
        errors.append(FieldError(key, "invalid_type"))
        return None
    # NFC so that "é" typed two ways counts and compares as one character; NUL never helps.
    value = unicodedata.normalize("NFC", raw.replace("\x00", "")).strip()
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value:
        if required:
            errors.append(FieldError(key, "required"))
        return None
    if len(value) > max_len:
        errors.append(FieldError(key, "too_long", {"max": max_len}))
        return None
    if len(value) < min_len:
        errors.append(FieldError(key, "too_short", {"min": min_len}))
        return None
    return value


def _has_control_chars(value: str) -> bool:
    # Cc: C0/C1 controls (newlines included); bidi overrides can disguise a name.
    return any(
        unicodedata.category(ch) == "Cc"
        or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for ch in value
    )


def _email(
    data: Mapping[str, object], errors: list[FieldError], deliverability: bool
) -> str | None:
    raw = _text(data, "email", errors, required=True, max_len=EMAIL_MAX_LENGTH)
    if raw is None:
        return None
    try:
        info = validate_email(raw, check_deliverability=deliverability)
    except EmailNotValidError:
        errors.append(FieldError("email", "invalid_email"))
        return None
    return str(info.normalized)


def _website(data: Mapping[str, object], errors: list[FieldError], max_len: int) -> str | None:
    raw = _text(data, "website", errors, required=False, max_len=max_len)
    if raw is None:
        return None
    if _has_control_chars(raw) or any(ch.isspace() for ch in raw):
        errors.append(FieldError("website", "invalid_url"))
        return None
    candidate = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(candidate)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        errors.append(FieldError("website", "invalid_url"))
        return None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or "." not in host.strip(".")
        or parts.username is not None
        or parts.password is not None
        or not port_ok
    ):
        errors.append(FieldError("website", "invalid_url"))
        return None
    if domain_key(host) != (origin.host if (origin := origin_of(candidate)) else None):
        # The browser would open another host than the one checked here ("\\", "%2E"...):
        # the blocked-domain rule and the reader's click must agree, so refuse it.
        errors.append(FieldError("website", "invalid_url"))
        return None
    if len(candidate) > max_len:
        errors.append(FieldError("website", "too_long", {"max": max_len}))
        return None
    return candidate
