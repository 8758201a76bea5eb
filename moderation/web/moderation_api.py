"""Moderator JSON API (``/api/v1/moderation``), authenticated by a moderator's API token.

Reads come from the queue read model (``services.queue``) and decisions go through the
decision service, exactly as the workspace pages do: both write the same log, obey the
same transition table and name the same moderator.
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
from moderation.errors import PermissionDenied
from moderation.errors import ValidationFailed
from moderation.models import CommentStatus
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import articles as article_service
from moderation.services import decisions
from moderation.services import moderators
from moderation.services import queue
from moderation.services import surge as surge_service
from moderation.services.ports import Deps
from moderation.web import serializers

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/moderation")

NOTE_MAX_LENGTH = 500
MAX_PAGE_SIZE = 200


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _moderator() -> Moderator:
    return g.moderator  # type: ignore[no-any-return]


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    g.moderator = moderators.authenticate_token(
        db.session(), raw.strip() if scheme.lower() == "bearer" else None, _deps().clock.now()
    )


@bp.after_request
def _no_store(response: Response) -> Response:
    # Moderator answers carry emails: never let a shared cache keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(data: Any, status: int = 200) -> Response:
    return current_app.response_class(json.dumps(data), status=status, mimetype="application/json")


def _whole_number(name: str, default: int | None = None, *, low: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < low:
        raise ValidationFailed([FieldError(name, "invalid_value")])
    return int(raw)


@bp.get("/comments")
def list_comments() -> Response:
    """A queue (``tab``, or ``status``) with search and filters, with reasons and emails."""
    status_arg = request.args.get("status")
    statuses: tuple[CommentStatus, ...] = ()
    if status_arg:
        try:
            statuses = (CommentStatus(status_arg),)
        except ValueError:
            raise ValidationFailed([FieldError("status", "invalid_value")]) from None
    try:
        tab = queue.Tab(request.args.get("tab") or queue.Tab.ALL.value)
        order = queue.Order(request.args["order"]) if request.args.get("order") else None
    except ValueError:
        raise ValidationFailed([FieldError("tab", "invalid_value")]) from None
    limit = _whole_number("limit", 50, low=1) or 50
    if limit > MAX_PAGE_SIZE:
        raise ValidationFailed([FieldError("limit", "invalid_value")])
    # Without ``status`` or ``order``, the API keeps its first behaviour: oldest first.
    filters = queue.QueueFilter(
        tab=tab,
        statuses=statuses,
        text=request.args.get("q", ""),
        article=request.args.get("article", ""),
        campaign_id=_whole_number("campaign"),
        order=order or queue.Order.OLDEST,
    )
    deps = _deps()
    page = queue.list_queue(
        db.session(),
        filters,
        now=deps.clock.now(),
        secret=deps.settings.secret_key,
        cursor=request.args.get("cursor") or None,
        limit=limit,
    )
    return _json(
        {
            "comments": [serializers.moderator_item(item) for item in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@bp.get("/counts")
def counts() -> Response:
    """How many comments each tab holds, and when the longest-waiting one was posted."""
    now = _deps().clock.now()
    tabs = queue.tab_counts(db.session(), now)
    return _json(
        {
            "tabs": {tab.value: count for tab, count in tabs.items()},
            "oldest_waiting": serializers.timestamp(queue.oldest_waiting(db.session(), now)),
        }
    )


@bp.get("/comments/<public_id>")
def comment_detail(public_id: str) -> Response:
    """One comment with its whole moderation log."""
    item = queue.item(db.session(), public_id)
    data = serializers.moderator_item(item)
    data["log"] = [serializers.decision(d) for d in decisions.log_of(db.session(), item.comment.id)]
    return _json(data)


def _decision_input() -> tuple[decisions.Action, str | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = request.form.to_dict()
    try:
        action = decisions.Action(str(data.get("action", "")))
    except ValueError:
        raise ValidationFailed([FieldError("action", "invalid_value")]) from None
    note = data.get("reason")
    if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX_LENGTH):
        raise ValidationFailed([FieldError("reason", "too_long", {"max": NOTE_MAX_LENGTH})])
    return action, note


@bp.post("/campaigns/<int:campaign_id>/decision")
def decide_campaign(campaign_id: int) -> Response:
    """The same decision for every comment of a campaign, in one request."""
    action, note = _decision_input()
    changed = decisions.apply_to_campaign(
        db.session(),
        _deps(),
        campaign_id,
        action,
        actor=decisions.Actor.of(_moderator()),
        note=note,
    )
    return _json({"campaign_id": campaign_id, "changed": changed})


@bp.post("/articles/<path:article_key>/surge/end")
def end_surge(article_key: str) -> Response:
    """End an article's surge mode (automatic premoderation) now."""
    article = surge_service.end_surge(db.session(), _deps(), article_key, _moderator().id)
    return _json({"article": article.key, "surge_until": None})


@bp.post("/comments/<public_id>/decision")
def decide(public_id: str) -> Response:
    """Approve, hold, reject or mark as spam one comment."""
    action, note = _decision_input()
    comment = decisions.apply_moderator_action(
        db.session(),
        _deps(),
        public_id,
        action,
        actor=decisions.Actor.of(_moderator()),
        note=note,
    )
    return _json(serializers.moderator_item(queue.items_for(db.session(), [comment])[0]))


@bp.patch("/articles/<path:article_key>")
def correct_article(article_key: str) -> Response:
    """Admins: correct an article's ``title`` and/or ``url`` (on a configured site)."""
    if _moderator().role is not ModeratorRole.ADMIN:
        raise PermissionDenied()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not ({"url", "title"} & data.keys()):
        raise ValidationFailed([FieldError("title", "required")])
    fields = {}
    for name in ("url", "title"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationFailed([FieldError(name, "invalid_type")])
        fields[name] = value
    article = article_service.update_article_details(
        db.session(),
        _deps(),
        article_key,
        url=fields["url"],
        title=fields["title"],
        moderator_id=_moderator().id,
    )
    return _json({"key": article.key, "url": article.url, "title": article.title})
