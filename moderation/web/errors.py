"""Map domain errors to HTTP answers, once: RFC 9457 problem details in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import json
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from moderation import errors
from moderation.web.i18n import FIELD_LABELS
from moderation.web.i18n import field_message

PROBLEM_TYPE_BASE = "https://moderation.invalid/problems/"
PROBLEM_MIMETYPE = "application/problem+json"


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A ``application/problem+json`` response (RFC 9457)."""
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers["Content-Language"] = _content_language()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_problem(exc: errors.ValidationFailed) -> Response:
    field_errors = [
        {
            "field": e.field,
            "code": e.code,
            "pointer": f"#/{e.field}",
            "label": str(FIELD_LABELS.get(e.field, e.field)),
            "detail": field_message(e.code, e.params),
        }
        for e in exc.errors
    ]
    return problem(
        422,
        "validation",
        _("Some fields need your attention."),
        errors=field_errors,
        fields={e["field"]: e["detail"] for e in field_errors},
    )


def _content_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else "fr"


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for every domain error and HTTP error (JSON everywhere)."""

    @app.errorhandler(errors.ValidationFailed)
    def _validation(exc: errors.ValidationFailed) -> Response:
        return validation_problem(exc)

    @app.errorhandler(errors.ArticleNotFound)
    def _article_missing(exc: errors.ArticleNotFound) -> Response:
        return problem(404, "article-not-found", _("This article is unknown."))

    @app.errorhandler(errors.ArticleClosed)
    def _article_closed(exc: errors.ArticleClosed) -> Response:
        return problem(403, "article-closed", _("Comments are closed for this article."))

    @app.errorhandler(errors.CommentNotFound)
    def _comment_missing(exc: errors.CommentNotFound) -> Response:
        return problem(404, "comment-not-found", _("This comment does not exist."))

    @app.errorhandler(errors.IllegalTransition)
    def _transition(exc: errors.IllegalTransition) -> Response:
        return problem(
            409,
            "illegal-transition",
            _("This decision is not possible for the comment's current status."),
            current_status=exc.current,
            requested_status=exc.target,
        )

    @app.errorhandler(errors.InvalidToken)
    def _token(exc: errors.InvalidToken) -> Response:
        return problem(
            401,
            "unauthorized",
            _("A valid moderator token is required."),
            headers={"WWW-Authenticate": 'Bearer realm="moderation"'},
        )

    @app.errorhandler(errors.PermissionDenied)
    def _forbidden(exc: errors.PermissionDenied) -> Response:
        return problem(403, "forbidden", _("This requires an administrator."))

    @app.errorhandler(errors.WebhookNotFound)
    def _webhook_missing(exc: errors.WebhookNotFound) -> Response:
        return problem(
            404, "webhook-not-found", _("This webhook endpoint or delivery does not exist.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        titles = {
            400: _("The request could not be understood."),
            404: _("Not found."),
            405: _("Method not allowed."),
            413: _("The request is too large."),
            415: _("Send JSON or a form (application/x-www-form-urlencoded)."),
        }
        title = titles.get(status, exc.name)
        response = problem(status, f"http-{status}", str(title))
        for name in ("Allow", "Retry-After"):
            value = exc.get_response().headers.get(name)
            if value:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The process edge: log once with the traceback (never the request body), answer 500.
        app.logger.error("unhandled error", exc_info=exc)
        return problem(500, "internal", _("Something went wrong on our side."))
