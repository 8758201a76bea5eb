"""Errors inside the workspace: a page in the moderator's language, or JSON for its script.

The rest of the service answers problem+json everywhere; a person in the workspace gets a
readable page with a way back instead.
"""

from __future__ import annotations

from flask import Response
from flask import jsonify
from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from moderation import errors
from moderation.web.workspace import bp
from moderation.web.workspace.auth import wants_json


def _answer(status: int, code: str, message: str) -> Response | tuple[str, int]:
    if wants_json():
        response = jsonify({"error": code, "message": message})
        response.status_code = status
        return response
    return render_template("workspace/error.html", status=status, message=message), status


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError) -> Response | tuple[str, int]:
    return _answer(
        400, "csrf", _("This form has expired or did not come from this site. Reload the page.")
    )


@bp.errorhandler(errors.CommentNotFound)
def _comment_missing(exc: errors.CommentNotFound) -> Response | tuple[str, int]:
    return _answer(404, "comment-not-found", _("This comment does not exist."))


@bp.errorhandler(errors.ArticleNotFound)
def _article_missing(exc: errors.ArticleNotFound) -> Response | tuple[str, int]:
    return _answer(404, "article-not-found", _("This article is unknown."))


@bp.errorhandler(errors.IllegalTransition)
def _transition(exc: errors.IllegalTransition) -> Response | tuple[str, int]:
    return _answer(
        409,
        "illegal-transition",
        _("This decision is not possible for the comment's current status."),
    )


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    messages = {
        400: _("The request could not be understood."),
        403: _("Your role does not give access to this page."),
        404: _("Not found."),
        405: _("Method not allowed."),
    }
    return _answer(status, f"http-{status}", messages.get(status, exc.name))
