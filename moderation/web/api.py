"""Public JSON API (``/api/v1``): post a comment, read threads, counts and one comment.

Views parse, call one service, commit and serialize. Reads of threads and counts are
served from the shared read cache, already compressed (``web.reads``), with an ETag so
browsers and proxies can revalidate for free.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import json
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.services import comment_views
from moderation.services import comments as comment_service
from moderation.services import reports as report_service
from moderation.services.ports import Deps
from moderation.services.privacy import reporter_hash
from moderation.web import reads
from moderation.web import serializers
from moderation.web.errors import problem as problem_response
from moderation.web.intake import AUTHOR_TOKEN_HEADER
from moderation.web.intake import HANDOFF_HEADER
from moderation.web.intake import client_info
from moderation.web.intake import render_token
from moderation.web.ratelimit import RateLimiter
from moderation.web.schemas import FORM
from moderation.web.schemas import JSON
from moderation.web.schemas import MULTIPART
from moderation.web.schemas import Operation
from moderation.web.schemas import Reply
from moderation.web.schemas import declare
from moderation.web.schemas import ok
from moderation.web.schemas import problem
from moderation.web.schemas import responses
from moderation.web.schemas.public import ArticlePath
from moderation.web.schemas.public import CommentPath
from moderation.web.schemas.public import CountsQuery
from moderation.web.schemas.public import NewComment
from moderation.web.schemas.public import NewReport
from moderation.web.schemas.public import ThreadQuery

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def limiter() -> RateLimiter:
    return current_app.extensions["moderation.ratelimiter"]  # type: ignore[no-any-return]


@bp.post("/articles/<path:article_key>/comments")
@declare(
    Operation(
        "Submit a comment (answered before any check runs)",
        path=ArticlePath,
        body=NewComment,
        body_types=(JSON, FORM, MULTIPART),
        strict_media=True,
        responses={
            202: ok(responses.Accepted, "Stored, awaiting its check"),
            400: problem("Malformed request"),
            403: problem("Comments are closed for this article"),
            404: problem("Unknown article"),
            413: problem("Request too large"),
            415: problem("Unsupported content type"),
            422: problem("Invalid fields, one message per field"),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def post_comment(article_key: str, body: NewComment) -> Response:
    """Accept a comment (JSON or an HTML form) and answer 202 before any check runs."""
    limited = rate_limited("comment")
    if limited is not None:
        return limited
    receipt = comment_service.accept_comment(
        db.session(),
        deps(),
        body.draft(),
        article_key=article_key,
        article_url=body.article_url,
        article_title=body.article_title,
        article_signature=body.article_signature,
        client=client_info(body.hints(), article_key),
    )
    public_id = receipt.public_id
    # Whatever became of it (screened out, an exact repost, a filled honeypot), the
    # reader is told "pending" in the same shape: a bot or a prober learns nothing.
    answer = {"id": public_id, "status": "pending", "author_token": receipt.author_token}
    response = current_app.response_class(
        json.dumps(answer), status=202, mimetype="application/json"
    )
    response.headers["Location"] = url_for("api.get_comment", public_id=public_id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/articles/<path:article_key>/comments")
@declare(
    Operation(
        "Approved comments of an article, threaded",
        path=ArticlePath,
        query=ThreadQuery,
        responses={
            200: ok(responses.Thread, "One page of top-level comments"),
            304: Reply("Not modified (ETag)"),
            404: problem("Unknown article"),
            422: problem("Invalid parameter"),
        },
    )
)
def get_thread(article_key: str, query: ThreadQuery) -> BaseResponse:
    """Approved comments of one article, threaded, paginated on top-level comments."""
    sort = query.sort
    cursor = query.cursor or None
    limit = query.limit or deps().settings.page_size
    try:
        return reads.thread(deps(), article_key, sort=sort, cursor=cursor, limit=limit)
    except ValueError:
        raise ValidationFailed([FieldError("cursor", "invalid_value")]) from None


@bp.get("/counts")
@declare(
    Operation(
        "Approved-comment counts for many articles",
        query=CountsQuery,
        responses={
            200: ok(responses.Counts, "Counts by article key"),
            422: problem("No or too many articles"),
        },
    )
)
def get_counts(query: CountsQuery) -> BaseResponse:
    """Approved-comment counts for up to 100 articles, in one request."""
    keys = list(dict.fromkeys(query.article))
    return reads.counts(deps(), keys)


@bp.get("/comments/<public_id>")
@declare(
    Operation(
        "An approved comment, or the author's own comment and its status",
        path=CommentPath,
        headers={
            AUTHOR_TOKEN_HEADER: "The author token intake returned.",
            HANDOFF_HEADER: "A hand-off from the form endpoint's redirect (single-use).",
        },
        responses={
            200: ok(responses.CommentState, "The comment"),
            404: problem("Unknown comment, or not public and not yours"),
        },
    )
)
def get_comment(public_id: str) -> Response:
    """One approved comment, or the author's own comment whatever its status.

    A comment that is not approved is found only with its author token (or a hand-off,
    spent by this request): for anyone else it is a 404, like an unknown id.
    """
    view = comment_views.comment_for_reader(
        db.session(),
        deps(),
        public_id,
        author_token=request.headers.get(AUTHOR_TOKEN_HEADER),
        handoff=request.headers.get(HANDOFF_HEADER),
    )
    # A spent hand-off must stay spent.
    db.session.commit()
    response = current_app.response_class(
        json.dumps(serializers.comment_status(view)), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    response.vary.add(AUTHOR_TOKEN_HEADER)
    response.vary.add(HANDOFF_HEADER)
    return response


@bp.get("/articles/<path:article_key>/form-token")
@declare(
    Operation(
        "A single-use form token for one article (when the form was shown)",
        path=ArticlePath,
        responses={200: ok(responses.FormToken, "The token")},
    )
)
def form_token(article_key: str) -> Response:
    """A single-use form token for one article: the time its comment form was shown."""
    response = current_app.response_class(
        json.dumps({"render_token": render_token(article_key)}), mimetype="application/json"
    )
    # The token carries the time and works once: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def rate_limited(scope: str) -> Response | None:
    """A 429 problem if this client exceeded the write limit for ``scope``."""
    if not limiter().enabled:
        return None
    wait = limiter().hit(scope, request.remote_addr)
    if wait is None:
        return None
    return problem_response(
        429,
        "rate-limited",
        _("Too many comments in a short time. Please wait a moment."),
        headers={"Retry-After": str(wait)},
    )


@bp.post("/comments/<public_id>/reports")
@declare(
    Operation(
        "Report a published comment (one report per reader)",
        path=CommentPath,
        body=NewReport,
        body_types=(JSON, FORM),
        responses={
            202: ok(responses.Recorded, "Recorded (or already recorded)"),
            404: problem("No published comment has that id"),
            422: problem("Unknown reason"),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def report_comment(public_id: str, body: NewReport) -> Response:
    """A reader reports a published comment; the same reader twice counts once."""
    limited = rate_limited("report")
    if limited is not None:
        return limited
    report_service.file_report(
        db.session(),
        deps(),
        public_id,
        body.reason.value,
        reporter_hash(deps().settings.secret_key, request.remote_addr),
    )
    return current_app.response_class(
        json.dumps({"status": "recorded"}), status=202, mimetype="application/json"
    )


@bp.get("/health")
@declare(
    Operation("Liveness and database reachability", responses={200: ok(responses.Health, "Up")})
)
def health() -> Response:
    """Liveness and database reachability, for load balancers and compose."""
    db.session.execute(db.select(1))
    return current_app.response_class(json.dumps({"status": "ok"}), mimetype="application/json")
