"""Turn a reader's raw submission into a :class:`CommentDraft`, or say field by field why not.

The only module that imports email_validator. Values come from JSON or an HTML form, so
each one is checked for type as well as content. Errors are codes with parameters
(``moderation.errors.FieldError``); the web layer words them in the reader's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError
from email_validator import validate_email

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.urls import domain_key
from moderation.urls import origin_of

#: Default name of the form field hidden from people (bots fill it in); a setting.
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
    honeypot_field: str = HONEYPOT_FIELD


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """A submission whose fields are each well-formed (the body is still raw)."""

    author_name: str
    email: str
    body: str
    website: str | None = None
    parent_id: str | None = None
    honeypot_filled: bool = False


class FieldProblem(ValueError):
    """One field's problem, as a catalog code and parameters (the field is the caller's).

    A ``ValueError`` so that schema libraries calling these checkers collect it with the
    other fields' errors instead of stopping at the first one.
    """

    def __init__(self, code: str, params: dict[str, int | str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.params = params or {}


def parse_submission(data: Mapping[str, object], limits: Limits) -> CommentDraft:
    """Validate every field and collect all errors before raising.

    :raises ValidationFailed: with one :class:`FieldError` per invalid field.
    """
    errors: list[FieldError] = []

    def field(key: str, check: Callable[[object], str | None]) -> str | None:
        try:
            return check(data.get(key))
        except FieldProblem as problem:
            errors.append(FieldError(key, problem.code, problem.params))
            return None

    name = field("author_name", lambda raw: author_name(raw, limits.name_max))
    email_value = field("email", lambda raw: email(raw, limits.check_deliverability))
    website_value = field("website", lambda raw: website(raw, limits.website_max))
    body_value = field("body", lambda raw: body(raw, limits.body_min, limits.body_max))
    parent = field("parent_id", parent_id)
    if errors:
        raise ValidationFailed(errors)
    return CommentDraft(
        author_name=name or "",
        email=email_value or "",
        body=body_value or "",
        website=website_value,
        parent_id=parent,
        honeypot_filled=bool(data.get(limits.honeypot_field)),
    )


def author_name(raw: object, max_len: int) -> str:
    """A required one-line name without control or bidi-override characters."""
    value = _required(clean_text(raw, max_len=max_len))
    if _has_control_chars(value):
        raise FieldProblem("control_chars")
    return value


def body(raw: object, min_len: int, max_len: int) -> str:
    """The required comment text (still raw markup), newlines normalised."""
    return _required(clean_text(raw, max_len=max_len, min_len=min_len, multiline=True))


def parent_id(raw: object) -> str | None:
    """The public id of the comment replied to (a number is accepted as text)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return clean_text(raw, max_len=PARENT_ID_MAX_LENGTH)


def clean_text(
    raw: object, *, max_len: int, min_len: int = 1, multiline: bool = False
) -> str | None:
    """Normalised text, or ``None`` when empty.

    The length is checked before trimming as well as after: a browser's ``maxlength``
    counts what was typed, and so does the published contract.

    :raises FieldProblem: ``invalid_type``, ``too_long`` or ``too_short``.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise FieldProblem("invalid_type")
    if len(raw) > max_len:
        raise FieldProblem("too_long", {"max": max_len})
    # NFC so that "é" typed two ways counts and compares as one character; NUL never helps.
    value = unicodedata.normalize("NFC", raw.replace("\x00", "")).strip()
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value:
        return None
    if len(value) > max_len:
        raise FieldProblem("too_long", {"max": max_len})
    if len(value) < min_len:
        raise FieldProblem("too_short", {"min": min_len})
    return value


def _required(value: str | None) -> str:
    if value is None:
        raise FieldProblem("required")
    return value


def _has_control_chars(value: str) -> bool:
    # Cc: C0/C1 controls (newlines included); bidi overrides can disguise a name.
    return any(
        unicodedata.category(ch) == "Cc"
        or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for ch in value
    )


def email(raw: object, deliverability: bool) -> str:
    """A required, syntactically valid address, normalised by email-validator."""
    value = _required(clean_text(raw, max_len=EMAIL_MAX_LENGTH))
    try:
        info = validate_email(value, check_deliverability=deliverability)
    except EmailNotValidError:
        raise FieldProblem("invalid_email") from None
    return str(info.normalized)


def website(raw: object, max_len: int) -> str | None:
    """An optional http(s) address; a bare host name gets ``https://``."""
    value = clean_text(raw, max_len=max_len)
    if value is None:
        return None
    if _has_control_chars(value) or any(ch.isspace() for ch in value):
        raise FieldProblem("invalid_url")
    candidate = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(candidate)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise FieldProblem("invalid_url") from None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or "." not in host.strip(".")
        or parts.username is not None
        or parts.password is not None
        or not port_ok
    ):
        raise FieldProblem("invalid_url")
    if domain_key(host) != (origin.host if (origin := origin_of(candidate)) else None):
        # The browser would open another host than the one checked here ("\\", "%2E"...):
        # the blocked-domain rule and the reader's click must agree, so refuse it.
        raise FieldProblem("invalid_url")
    if len(candidate) > max_len:
        raise FieldProblem("too_long", {"max": max_len})
    return candidate
