"""Moderator JSON API (``/api/v1/moderation``), authenticated by an admin-issued token.

The decision endpoint calls the same service as the moderator UI will, so both write
the same log and obey the same transition table.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import json
from flask import request

from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import moderation as moderation_service
from moderation.services import reports as report_service
from moderation.services import surge as surge_service
from moderation.services import tokens
from moderation.services.comments import get_comment
from moderation.services.ports import Deps
from moderation.web import serializers

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/moderation")

REASON_MAX_LENGTH = 500


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    token = tokens.authenticate(
        db.session(), raw.strip() if scheme.lower() == "bearer" else None, _deps().clock.now()
    )
    g.moderator = token.name


@bp.after_request
def _no_store(response: Response) -> Response:
    # Moderator answers carry emails: never let a shared cache keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(data: Any, status: int = 200) -> Response:
    return current_app.response_class(json.dumps(data), status=status, mimetype="application/json")


def _parents(comments: list[Comment]) -> dict[int, str]:
    ids = {c.parent_id for c in comments if c.parent_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(db.select(Comment.id, Comment.public_id).where(Comment.id.in_(ids)))
    return {row_id: public_id for row_id, public_id in rows}


@bp.get("/comments")
def list_comments() -> Response:
    """Comments by status and article, oldest first, with reasons and the author's email."""
    status_arg = request.args.get("status")
    status = None
    if status_arg:
        try:
            status = CommentStatus(status_arg)
        except ValueError:
            raise ValidationFailed([FieldError("status", "invalid_value")]) from None
    after = request.args.get("cursor")
    if after is not None and not after.isdigit():
        raise ValidationFailed([FieldError("cursor", "invalid_value")])
    limit_arg = request.args.get("limit", "50")
    if not limit_arg.isdigit() or not 1 <= int(limit_arg) <= 200:
        raise ValidationFailed([FieldError("limit", "invalid_value")])
    campaign = request.args.get("campaign")
    if campaign is not None and not campaign.isdigit():
        raise ValidationFailed([FieldError("campaign", "invalid_value")])
    page = moderation_service.list_for_moderators(
        db.session(),
        status=status,
        article_key=request.args.get("article") or None,
        campaign_id=int(campaign) if campaign else None,
        after_id=int(after) if after else None,
        limit=int(limit_arg),
    )
    comments = list(page.comments)
    parents = _parents(comments)
    articles = {
        a.id: a
        for a in db.session.scalars(
            db.select(Article).where(Article.id.in_({c.article_id for c in comments}))
        )
    }
    reports = report_service.report_counts(db.session(), [c.id for c in comments])
    items = [
        serializers.moderator_comment(
            c, articles[c.article_id], parents.get(c.parent_id or 0), reports.get(c.id, 0)
        )
        for c in comments
    ]
    db.session.commit()  # token last_used_at
    next_cursor = str(page.next_cursor) if page.next_cursor is not None else None
    return _json({"comments": items, "next_cursor": next_cursor})


@bp.get("/comments/<public_id>")
def comment_detail(public_id: str) -> Response:
    """One comment with its whole moderation log."""
    comment = get_comment(db.session(), public_id)
    article = db.session.get_one(Article, comment.article_id)
    parents = _parents([comment])
    reports = report_service.report_counts(db.session(), [comment.id])
    data = serializers.moderator_comment(
        comment, article, parents.get(comment.parent_id or 0), reports.get(comment.id, 0)
    )
    data["log"] = [
        serializers.decision(d) for d in moderation_service.decisions_of(db.session(), comment.id)
    ]
    db.session.commit()
    return _json(data)


def _decision_input() -> tuple[moderation_service.Action, str | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = request.form.to_dict()
    try:
        action = moderation_service.Action(str(data.get("action", "")))
    except ValueError:
        raise ValidationFailed([FieldError("action", "invalid_value")]) from None
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_MAX_LENGTH):
        raise ValidationFailed([FieldError("reason", "too_long", {"max": REASON_MAX_LENGTH})])
    return action, reason


@bp.post("/campaigns/<int:campaign_id>/decision")
def decide_campaign(campaign_id: int) -> Response:
    """The same decision for every comment of a campaign, in one request."""
    action, reason = _decision_input()
    changed = moderation_service.apply_to_campaign(
        db.session(),
        _deps(),
        campaign_id,
        action,
        actor=f"moderator:{g.moderator}",
        reason=reason,
    )
    db.session.commit()
    return _json({"campaign_id": campaign_id, "changed": changed})


@bp.post("/articles/<path:article_key>/surge/end")
def end_surge(article_key: str) -> Response:
    """End an article's surge mode (automatic premoderation) now."""
    article = surge_service.end_surge(
        db.session(), _deps(), article_key, f"moderator:{g.moderator}"
    )
    body = {"article": article.key, "surge_until": None}
    db.session.commit()
    return _json(body)


@bp.post("/comments/<public_id>/decision")
def decide(public_id: str) -> Response:
    """Approve, hold, reject or mark as spam one comment."""
    action, reason = _decision_input()
    comment = moderation_service.apply_moderator_action(
        db.session(), _deps(), public_id, action, actor=f"moderator:{g.moderator}", reason=reason
    )
    article = db.session.get_one(Article, comment.article_id)
    parents = _parents([comment])
    body = serializers.moderator_comment(comment, article, parents.get(comment.parent_id or 0))
    db.session.commit()
    return _json(body)
