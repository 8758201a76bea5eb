"""Public JSON API (``/api/v1``): post a comment, read threads, counts and one comment.

Views parse, call one service, commit and serialize. Reads of threads and counts are
served from the shared read cache, already compressed (``web.reads``), with an ETag so
browsers and proxies can revalidate for free.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import json
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.wrappers import Response as BaseResponse

from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.services import comment_views
from moderation.services import comments as comment_service
from moderation.services import reports as report_service
from moderation.services.ports import Deps
from moderation.services.privacy import reporter_hash
from moderation.validation import parse_submission
from moderation.web import reads
from moderation.web import serializers
from moderation.web.errors import problem
from moderation.web.intake import AUTHOR_TOKEN_HEADER
from moderation.web.intake import HANDOFF_HEADER
from moderation.web.intake import client_info
from moderation.web.intake import limits
from moderation.web.intake import render_token
from moderation.web.ratelimit import RateLimiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_COUNT_ARTICLES = 100
MAX_PAGE_SIZE = 200
SORTS = ("oldest", "newest")


def deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def limiter() -> RateLimiter:
    return current_app.extensions["moderation.ratelimiter"]  # type: ignore[no-any-return]


@bp.post("/articles/<path:article_key>/comments")
def post_comment(article_key: str) -> Response:
    """Accept a comment (JSON or an HTML form) and answer 202 before any check runs."""
    settings = deps().settings
    limited = rate_limited("comment")
    if limited is not None:
        return limited
    data = _submission_data()
    draft = parse_submission(data, limits(settings))
    receipt = comment_service.accept_comment(
        db.session(),
        deps(),
        draft,
        article_key=article_key,
        article_url=_optional_str(data, "article_url"),
        article_title=_optional_str(data, "article_title"),
        client=client_info(data, article_key),
    )
    public_id = receipt.public_id
    # Whatever became of it (screened out, an exact repost, a filled honeypot), the
    # reader is told "pending" in the same shape: a bot or a prober learns nothing.
    body = {"id": public_id, "status": "pending", "author_token": receipt.author_token}
    response = current_app.response_class(json.dumps(body), status=202, mimetype="application/json")
    response.headers["Location"] = url_for("api.get_comment", public_id=public_id)
    response.headers["Cache-Control"] = "no-store"
    return response


def _submission_data() -> dict[str, Any]:
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationFailed([FieldError("body", "invalid_type")])
        return data
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    raise UnsupportedMediaType()


def _optional_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip()[:2000] if isinstance(value, str) else ""


@bp.get("/articles/<path:article_key>/comments")
def get_thread(article_key: str) -> BaseResponse:
    """Approved comments of one article, threaded, paginated on top-level comments."""
    sort = request.args.get("sort", "oldest")
    if sort not in SORTS:
        raise ValidationFailed([FieldError("sort", "invalid_value")])
    cursor = request.args.get("cursor") or None
    limit = _page_size()
    try:
        return reads.thread(deps(), article_key, sort=sort, cursor=cursor, limit=limit)
    except ValueError:
        raise ValidationFailed([FieldError("cursor", "invalid_value")]) from None


def _page_size() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return deps().settings.page_size
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationFailed([FieldError("limit", "invalid_value")])
    return int(raw)


@bp.get("/counts")
def get_counts() -> BaseResponse:
    """Approved-comment counts for up to 100 articles, in one request."""
    keys = list(dict.fromkeys(request.args.getlist("article")))
    if not keys or len(keys) > MAX_COUNT_ARTICLES:
        raise ValidationFailed([FieldError("article", "invalid_value")])
    return reads.counts(deps(), keys)


@bp.get("/comments/<public_id>")
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
    return problem(
        429,
        "rate-limited",
        _("Too many comments in a short time. Please wait a moment."),
        headers={"Retry-After": str(wait)},
    )


@bp.post("/comments/<public_id>/reports")
def report_comment(public_id: str) -> Response:
    """A reader reports a published comment; the same reader twice counts once."""
    limited = rate_limited("report")
    if limited is not None:
        return limited
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = request.form.to_dict()
    reason = data.get("reason")
    report_service.file_report(
        db.session(),
        deps(),
        public_id,
        reason if isinstance(reason, str) else "",
        reporter_hash(deps().settings.secret_key, request.remote_addr),
    )
    return current_app.response_class(
        json.dumps({"status": "recorded"}), status=202, mimetype="application/json"
    )


@bp.get("/health")
def health() -> Response:
    """Liveness and database reachability, for load balancers and compose."""
    db.session.execute(db.select(1))
    return current_app.response_class(json.dumps({"status": "ok"}), mimetype="application/json")
