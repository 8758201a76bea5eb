"""The review queues: tabs, items, decisions (the same services as the moderator API)."""

from __future__ import annotations

from flask import render_template

from moderation.db import db
from moderation.models import CommentStatus
from moderation.services import queue as queue_service
from moderation.web.workspace import bp
from moderation.web.workspace.auth import moderator_required


@bp.get("/")
@moderator_required
def queue() -> str:
    page = queue_service.list_queue(db.session(), statuses=(CommentStatus.HELD,))
    return render_template("workspace/queue.html", page=page)
