"""Server-rendered pages: the service's home and the demo article with its comments.

The demo article works without JavaScript: the form posts here, the same intake service
stores the comment, and the reader is sent back with a message (or the form again with
each error next to its field and nothing typed lost).
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import ArticleNotFound
from moderation.errors import ValidationFailed
from moderation.services import comments as comment_service
from moderation.services.ports import Deps
from moderation.validation import HONEYPOT_FIELD
from moderation.validation import Limits
from moderation.validation import parse_submission
from moderation.web.i18n import field_message

bp = Blueprint("pages", __name__)

DEMO_KEY = "demo"


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


@bp.get("/")
def index() -> str:
    return render_template("index.html")


def _render_demo(
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    try:
        page = comment_service.public_thread(db.session(), DEMO_KEY, limit=200)
    except ArticleNotFound:
        page = None
    posted = request.args.get("posted")
    return (
        render_template(
            "demo/article.html",
            page=page,
            errors=errors or {},
            values=values or {},
            posted=posted,
            honeypot_field=HONEYPOT_FIELD,
        ),
        status,
    )


@bp.get("/demo")
def demo() -> tuple[str, int]:
    return _render_demo()


@bp.post("/demo/comment")
def demo_comment() -> Response | tuple[str, int]:
    settings = _deps().settings
    values = request.form.to_dict()
    try:
        draft = parse_submission(
            values,
            Limits(
                name_max=settings.name_max_length,
                body_min=settings.body_min_length,
                body_max=settings.body_max_length,
                website_max=settings.website_max_length,
                check_deliverability=settings.check_deliverability,
            ),
        )
        comment = comment_service.submit_comment(
            db.session(),
            _deps(),
            draft,
            article_key=DEMO_KEY,
            client=comment_service.ClientInfo(
                ip=request.remote_addr, user_agent=request.user_agent.string
            ),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {e.field: field_message(e.code, e.params) for e in exc.errors}
        return _render_demo(errors, values, 422)
    public_id = comment.public_id
    db.session.commit()
    return redirect(url_for("pages.demo", posted=public_id, _anchor="comments"), code=303)
