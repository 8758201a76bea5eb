"""Admins find articles and change how each takes comments (open, premoderation, closing)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.config import PremoderationMode
from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.services import article_admin
from moderation.services import site_settings
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.site import PREMODERATION_LABELS

STATE_LABELS: dict[str, LazyString] = {
    article_admin.ArticleState.ALL.value: _l("All articles"),
    article_admin.ArticleState.OPEN.value: _l("Open"),
    article_admin.ArticleState.CLOSED.value: _l("Closed"),
}


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


@bp.get("/articles")
@admin_required
def articles() -> str:
    try:
        state = article_admin.ArticleState(request.args.get("state", "all"))
    except ValueError:
        state = article_admin.ArticleState.ALL
    before = request.args.get("before", type=int)
    text = request.args.get("q", "")[:200]
    found = article_admin.search(db.session(), _deps(), text=text, state=state, before_id=before)
    return render_template(
        "workspace/articles.html",
        page=found,
        text=text,
        state=state.value,
        state_labels=STATE_LABELS,
        premoderation_labels=PREMODERATION_LABELS,
    )


@bp.route("/articles/edit", methods=["GET", "POST"])
@admin_required
def article_edit() -> tuple[str, int]:
    deps = _deps()
    session = db.session()
    key = request.values.get("key", "")
    article = article_admin.get(session, key)
    errors: dict[str, str] = {}
    changed: list[str] | None = None
    if request.method == "POST":
        try:
            changed = article_admin.update(
                session, deps, key, _changes(), moderator_id=signed_in().moderator.id
            )
        except ValidationFailed as failed:
            # Nothing was changed: the service checks every field before touching any.
            errors = {e.field: field_message(e.code, e.params) for e in failed.errors}
    effective = site_settings.effective(session, deps.settings)
    html = render_template(
        "workspace/article_edit.html",
        article=article,
        form=request.form if errors else None,
        errors=errors,
        changed=changed,
        modes=[m.value for m in PremoderationMode],
        premoderation_labels=PREMODERATION_LABELS,
        site_premoderation=effective.premoderation.value,
        site_close_after_days=effective.close_after_days,
    )
    return html, 422 if errors else 200


def _changes() -> article_admin.ArticleChanges:
    """The submitted form as the service's value (refusing what cannot be parsed)."""
    form = request.form
    errors: list[FieldError] = []
    mode = form.get("premoderation", "")
    premoderation = None
    if mode:
        try:
            premoderation = PremoderationMode(mode)
        except ValueError:
            errors.append(FieldError("premoderation", "invalid_value"))
    days_text = form.get("close_after_days", "").strip()
    days = None
    if days_text:
        try:
            days = int(days_text)
        except ValueError:
            errors.append(FieldError("close_after_days", "not_a_whole_number"))
    closes_text = form.get("closes_on", "").strip()
    closes_at = None
    if closes_text:
        try:
            closes_at = dt.datetime.combine(dt.date.fromisoformat(closes_text), dt.time(), dt.UTC)
        except ValueError:
            errors.append(FieldError("closes_on", "bad_date"))
    if errors:
        raise ValidationFailed(errors)
    return article_admin.ArticleChanges(
        is_open=form.get("is_open") == "1",
        premoderation=premoderation,
        close_after_days=days,
        closes_at=closes_at,
        title=form.get("title", ""),
        url=form.get("url", ""),
    )
