"""Domain exceptions: what went wrong, in domain words, without HTTP status codes.

Services and the validation layer raise these; ``moderation.web.errors`` maps each one to a
response once per surface (JSON problem details for the API, re-rendered forms for pages).
Field errors carry a stable *code* and parameters, never a sentence: the web layer turns
them into the reader's language with the Flask-Babel catalogs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one submitted field (``code`` is a key of the message catalog)."""

    field: str
    code: str
    params: dict[str, int | str] = dataclasses.field(default_factory=dict)


class ModerationError(Exception):
    """Base class of every error the domain raises on purpose."""


class ValidationFailed(ModerationError):
    """The submission has one or more invalid fields."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}:{e.code}" for e in errors))
        self.errors = errors


class ArticleNotFound(ModerationError):
    """No article has that key, and it may not be created from this request."""


class ArticleClosed(ModerationError):
    """The article no longer accepts comments."""


class CommentNotFound(ModerationError):
    """No comment has that public id."""


class IllegalTransition(ModerationError):
    """The requested status change is not allowed from the comment's current status."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


class InvalidToken(ModerationError):
    """A moderator API token is missing, unknown or revoked."""


class TransientError(ModerationError):
    """An outside service failed in a way that may succeed later: retry."""


class PermanentError(ModerationError):
    """An outside service refused for good: record and stop."""


class PermissionDenied(ModerationError):
    """The moderator is known but their role does not allow this (admins only)."""


class WebhookNotFound(ModerationError):
    """No webhook endpoint or delivery has that id."""


class WebhookUrlRefused(ModerationError):
    """A webhook address the service will not call (SSRF guard).

    ``code`` says why, for the field message: ``url_scheme``, ``url_credentials``,
    ``url_invalid``, ``url_host``, ``url_unresolvable``, ``url_address`` or ``url_http``.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ModelVersionNotFound(ModerationError):
    """No stored model version has that name or id (or none of that kind to go back to)."""


class ModelVersionChanged(ModerationError):
    """The version in force is no longer the one a change was asked against.

    Someone else switched versions meanwhile (or the same form was sent twice): the change
    would not do what the person saw on their page, so nothing is done.
    """
