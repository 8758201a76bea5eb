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
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import articles as article_service
from moderation.services import decisions
from moderation.services import moderators
from moderation.services import queue
from moderation.services import surge as surge_service
from moderation.services.ports import Deps
from moderation.web import serializers
from moderation.web.schemas import FORM
from moderation.web.schemas import JSON
from moderation.web.schemas import Operation
from moderation.web.schemas import declare
from moderation.web.schemas import ok
from moderation.web.schemas import problem
from moderation.web.schemas import responses
from moderation.web.schemas.moderation import ArticleCorrection
from moderation.web.schemas.moderation import CampaignPath
from moderation.web.schemas.moderation import CommentPath
from moderation.web.schemas.moderation import ModeratorDecision
from moderation.web.schemas.moderation import QueueQuery
from moderation.web.schemas.moderation import SurgePath

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/moderation")


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


@bp.get("/comments")
@declare(
    Operation(
        "A queue or a search, with reasons and emails",
        query=QueueQuery,
        secured=True,
        responses={
            200: ok(responses.ModeratorList, "One page"),
            401: problem("Missing or invalid token"),
            422: problem("Invalid parameter"),
        },
    )
)
def list_comments(query: QueueQuery) -> Response:
    """A queue (``tab``, or ``status``) with search and filters, with reasons and emails."""
    statuses = (query.status,) if query.status is not None else ()
    tab = query.tab or queue.Tab.ALL
    order = query.order
    limit = query.limit or 50
    # Without ``status`` or ``order``, the API keeps its first behaviour: oldest first.
    filters = queue.QueueFilter(
        tab=tab,
        statuses=statuses,
        text=query.q,
        article=query.article,
        campaign_id=query.campaign,
        order=order or queue.Order.OLDEST,
    )
    deps = _deps()
    page = queue.list_queue(
        db.session(),
        filters,
        now=deps.clock.now(),
        secret=deps.settings.secret_key,
        cursor=query.cursor or None,
        limit=limit,
    )
    return _json(
        {
            "comments": [serializers.moderator_item(item) for item in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@bp.get("/counts")
@declare(
    Operation(
        "How many comments each tab holds, and the longest wait",
        secured=True,
        responses={
            200: ok(responses.TabCounts, "Counts by tab"),
            401: problem("Missing or invalid token"),
        },
    )
)
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
@declare(
    Operation(
        "One comment with its moderation log",
        path=CommentPath,
        secured=True,
        responses={
            200: ok(responses.ModeratorComment, "The comment"),
            401: problem("Missing or invalid token"),
            404: problem("Unknown comment"),
        },
    )
)
def comment_detail(public_id: str) -> Response:
    """One comment with its whole moderation log."""
    item = queue.item(db.session(), public_id)
    data = serializers.moderator_item(item)
    data["log"] = [serializers.decision(d) for d in decisions.log_of(db.session(), item.comment.id)]
    return _json(data)


@bp.post("/campaigns/<int:campaign_id>/decision")
@declare(
    Operation(
        "One decision for every comment of a campaign",
        path=CampaignPath,
        body=ModeratorDecision,
        body_types=(JSON, FORM),
        secured=True,
        responses={
            200: ok(responses.CampaignDecided, "The comments that changed"),
            401: problem("Missing or invalid token"),
            404: problem("Unknown campaign"),
            422: problem("Unknown action"),
        },
    )
)
def decide_campaign(campaign_id: int, body: ModeratorDecision) -> Response:
    """The same decision for every comment of a campaign, in one request."""
    action, note = body.action, body.reason
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
@declare(
    Operation(
        "End an article's surge mode",
        path=SurgePath,
        secured=True,
        responses={
            200: ok(responses.SurgeEnded, "Surge mode is off"),
            401: problem("Missing or invalid token"),
            404: problem("Unknown article"),
        },
    )
)
def end_surge(article_key: str) -> Response:
    """End an article's surge mode (automatic premoderation) now."""
    article = surge_service.end_surge(db.session(), _deps(), article_key, _moderator().id)
    return _json({"article": article.key, "surge_until": None})


@bp.post("/comments/<public_id>/decision")
@declare(
    Operation(
        "Approve, hold, reject or mark as spam",
        path=CommentPath,
        body=ModeratorDecision,
        body_types=(JSON, FORM),
        secured=True,
        responses={
            200: ok(responses.ModeratorComment, "The comment after the decision"),
            401: problem("Missing or invalid token"),
            404: problem("Unknown comment"),
            409: problem("Not possible from the current status"),
            422: problem("Unknown action"),
        },
    )
)
def decide(public_id: str, body: ModeratorDecision) -> Response:
    """Approve, hold, reject or mark as spam one comment."""
    action, note = body.action, body.reason
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
@declare(
    Operation(
        "Admins: correct an article's title and/or URL (on a configured site)",
        path=SurgePath,
        body=ArticleCorrection,
        secured=True,
        responses={
            200: ok(responses.CorrectedArticle, "The article as corrected"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
            404: problem("Unknown article"),
            422: problem("Invalid fields"),
        },
    )
)
def correct_article(article_key: str, body: ArticleCorrection) -> Response:
    """Admins: correct an article's ``title`` and/or ``url`` (on a configured site)."""
    if _moderator().role is not ModeratorRole.ADMIN:
        raise PermissionDenied()
    if body.url is None and body.title is None:
        raise ValidationFailed([FieldError("title", "required")])
    article = article_service.update_article_details(
        db.session(),
        _deps(),
        article_key,
        url=body.url,
        title=body.title,
        moderator_id=_moderator().id,
    )
    return _json({"key": article.key, "url": article.url, "title": article.title})
