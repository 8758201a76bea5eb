"""The review queues: tabs with live counts, search, items, and every decision on them.

Reads come from ``services.queue`` and decisions go through ``services.decisions`` (and
``services.undo``, ``services.authors``), exactly as the moderator API does. Each unsafe
view answers JSON to the page's script (``X-Requested-With: fetch``) and redirects back
to the queue otherwise, so every action also works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.services import articles as article_service
from moderation.services import authors
from moderation.services import decisions
from moderation.services import explain as explain_service
from moderation.services import explanations
from moderation.services import moderation_log
from moderation.services import queue as queue_service
from moderation.services import queue_counts as count_service
from moderation.services import undo as undo_service
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import moderator_required
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.auth import wants_json
from moderation.web.workspace.forms import AuthorForm
from moderation.web.workspace.forms import DecisionForm
from moderation.web.workspace.forms import QueueSearchForm
from moderation.web.workspace.labels import DONE_MESSAGES
from moderation.web.workspace.labels import TAB_LABELS

PAGE_SIZE = 25


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _actor() -> decisions.Actor:
    return decisions.Actor.of(signed_in().moderator)


def _search() -> tuple[QueueSearchForm, queue_service.QueueFilter]:
    """The queue asked for by the query string (invalid fields are shown, then ignored)."""
    form = QueueSearchForm(formdata=request.args)
    form.validate()
    try:
        tab = queue_service.Tab(form.tab.data or queue_service.Tab.REVIEW.value)
    except ValueError:
        tab = queue_service.Tab.REVIEW
    clean = {
        name: (field.data if not field.errors else None) for name, field in form._fields.items()
    }
    settings_tz = _deps().settings.timezone
    filters = queue_service.QueueFilter(
        tab=tab,
        text=clean["q"] or "",
        author_name=clean["author_name"] or "",
        author=(clean["author"] or "")[:64],
        email=clean["email"] or "",
        article=clean["article"] or "",
        language=clean["language"] or "",
        date_from=_day_start(clean["date_from"], settings_tz),
        date_to=_day_start(clean["date_to"], settings_tz, next_day=True),
        score_min=clean["score_min"],
        score_max=clean["score_max"],
        campaign_id=clean["campaign"],
        order=queue_service.Order(clean["order"]) if clean["order"] else None,
        # One group per campaign, unless the moderator asked to see that campaign's comments.
        group_campaigns=clean["campaign"] is None,
    )
    return form, filters


def _day_start(day: dt.date | None, tz: str, *, next_day: bool = False) -> dt.datetime | None:
    from zoneinfo import ZoneInfo

    if day is None:
        return None
    if next_day:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).astimezone(dt.UTC)


def _page(filters: queue_service.QueueFilter, cursor: str | None) -> queue_service.QueuePage:
    deps = _deps()
    return queue_service.list_queue(
        db.session(),
        filters,
        now=deps.clock.now(),
        secret=deps.settings.secret_key,
        cursor=cursor,
        limit=PAGE_SIZE,
    )


def _query_without(*names: str) -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in names])


def _counts() -> dict[str, Any]:
    now = _deps().clock.now()
    tabs = count_service.capped_tab_counts(db.session(), now)
    oldest = queue_service.oldest_waiting(db.session(), now)
    return {
        "tabs": {tab.value: count.count for tab, count in tabs.items()},
        # What the badges show: the number in the reader's format, "1 000+" past the cap.
        "labels": {tab.value: _count_text(count) for tab, count in tabs.items()},
        "oldest_waiting": oldest.isoformat() if oldest else None,
        "oldest_text": _oldest_text(oldest),
    }


def _count_text(count: count_service.TabCount) -> str:
    """« 42 », or « 1 000+ » past the cap, in the reader's number format."""
    text = str(format_number(count.count))
    return text + "+" if count.more else text


def _oldest_text(oldest: dt.datetime | None) -> str:
    from moderation.web.workspace.templating import format_duration

    if oldest is None:
        return str(_("Nobody is waiting."))
    waited = (_deps().clock.now() - oldest).total_seconds()
    return str(_("Oldest waiting: %(age)s", age=format_duration(max(waited, 0))))


@bp.get("/")
@moderator_required
def queue() -> str:
    form, filters = _search()
    try:
        page = _page(filters, request.args.get("cursor") or None)
    except ValidationFailed:
        page = _page(filters, None)
    return render_template(
        "workspace/queue.html",
        form=form,
        filters=filters,
        page=page,
        counts=_counts(),
        tabs=[(tab, TAB_LABELS[tab]) for tab in queue_service.Tab],
        base_query=_query_without("cursor", "tab"),
        more_query=_query_without("cursor"),
    )


@bp.get("/queue/items")
@moderator_required
def queue_items() -> Response:
    """More items of the current queue, as HTML for the page's script (polling, "more")."""
    form, filters = _search()
    page = _page(filters, request.args.get("cursor") or None)
    html = render_template(
        "workspace/_items.html",
        page=page,
        filters=filters,
    )
    return jsonify({"html": html, "next_cursor": page.next_cursor, "count": len(page.items)})


@bp.get("/queue/counts")
@moderator_required
def queue_counts() -> Response:
    return jsonify(_counts())


def _rejection(form: DecisionForm) -> decisions.Rejection | None:
    try:
        reason = decisions.RejectionReason(form.reason.data)
    except ValueError:
        reason = decisions.RejectionReason.OTHER
    if not form.explain.data:
        return decisions.Rejection(reason)
    language = form.language.data if form.language.data in ("fr", "en") else "fr"
    text = explanations.text_for(db.session(), reason, language)
    return decisions.Rejection(reason, text, language if text else "")


def _decision_form() -> tuple[decisions.Action, decisions.Rejection | None]:
    form = DecisionForm()
    try:
        action = decisions.Action(form.action.data)
    except ValueError:
        raise ValidationFailed([FieldError("action", "invalid_value")]) from None
    return action, _rejection(form) if action is decisions.Action.REJECT else None


def _done(message: str, changed: list[str], **extra: Any) -> Response:
    if wants_json():
        return jsonify({"message": message, "changed": changed, "counts": _counts(), **extra})
    return redirect(_back())


def _back() -> str:
    """The queue page the form was sent from (same origin only), else the queue."""
    referrer = request.referrer or ""
    root = request.host_url.rstrip("/") + "/moderate"
    return referrer if referrer.startswith(root) else url_for("workspace.queue")


@bp.post("/comments/<public_id>/decision")
@moderator_required
def decide(public_id: str) -> Response:
    action, rejection = _decision_form()
    decisions.apply_moderator_action(
        db.session(), _deps(), public_id, action, actor=_actor(), rejection=rejection
    )
    return _done(str(DONE_MESSAGES[action]), [public_id])


@bp.post("/decisions/bulk")
@moderator_required
def decide_bulk() -> Response:
    action, rejection = _decision_form()
    ids = [i for i in request.form.getlist("ids") if i][:500]
    changed = decisions.apply_bulk(
        db.session(), _deps(), ids, action, actor=_actor(), rejection=rejection
    )
    message = ngettext(
        "%(num)d comment: %(done)s",
        "%(num)d comments: %(done)s",
        len(changed),
        done=str(DONE_MESSAGES[action]),
    )
    return _done(message, changed)


@bp.post("/campaigns/<int:campaign_id>/decision")
@moderator_required
def decide_campaign(campaign_id: int) -> Response:
    action, rejection = _decision_form()
    changed = decisions.apply_to_campaign(
        db.session(), _deps(), campaign_id, action, actor=_actor(), rejection=rejection
    )
    message = ngettext(
        "%(num)d comment: %(done)s",
        "%(num)d comments: %(done)s",
        len(changed),
        done=str(DONE_MESSAGES[action]),
    )
    return _done(message, changed)


@bp.post("/undo")
@moderator_required
def undo() -> Response:
    reverted = undo_service.undo_last(db.session(), _deps(), _actor())
    if not reverted:
        return _done(_("Nothing to undo."), [])
    message = ngettext("Undone: %(num)d comment.", "Undone: %(num)d comments.", len(reverted))
    return _done(message, reverted)


@bp.post("/comments/<public_id>/reveal")
@moderator_required
def reveal(public_id: str) -> Response | str:
    email = authors.reveal_email(
        db.session(), public_id, moderator_id=signed_in().moderator.id, now=_deps().clock.now()
    )
    if wants_json():
        return jsonify({"email": email})
    return _detail(public_id, revealed=email)


@bp.post("/comments/<public_id>/author")
@moderator_required
def author_action(public_id: str) -> Response:
    form = AuthorForm()
    if not form.validate():
        raise ValidationFailed(
            [FieldError(name, "invalid_value") for name in form.errors if name != "csrf_token"]
            or [FieldError("csrf_token", "invalid_value")]
        )
    if form.what.data == "trust":
        authors.trust(db.session(), _deps(), public_id, actor=_actor(), days=form.days.data)
        return _done(_("The author is trusted."), [])
    rejected = authors.block(
        db.session(),
        _deps(),
        public_id,
        actor=_actor(),
        scopes=[authors.BlockScope(s) for s in form.scope.data or []],
        days=form.days.data,
        reject_waiting=bool(form.reject_waiting.data),
    )
    return _done(_("The author is blocked."), rejected)


@bp.post("/articles/<path:article_key>/note")
@moderator_required
def article_note(article_key: str) -> Response:
    article_service.set_article_note(
        db.session(),
        article_key,
        request.form.get("note", ""),
        moderator_id=signed_in().moderator.id,
        now=_deps().clock.now(),
    )
    return _done(_("The article note is saved."), [])


@bp.get("/comments/<public_id>/explanation")
@moderator_required
def explanation(public_id: str) -> str:
    """The full reasoning behind a comment's status, as a fragment (expanded in place)."""
    return render_template(
        "workspace/_explanation.html",
        explanation=explain_service.explain(db.session(), public_id),
    )


@bp.get("/comments/<public_id>")
@moderator_required
def comment_detail(public_id: str) -> str:
    return _detail(public_id)


def _detail(public_id: str, revealed: str | None = None) -> str:
    item = queue_service.item(db.session(), public_id)
    return render_template(
        "workspace/comment.html",
        item=item,
        revealed=revealed,
        explanation=explain_service.explain(db.session(), public_id),
        filters=queue_service.QueueFilter(tab=queue_service.Tab.ALL),
        history=moderation_log.comment_history(db.session(), item.comment.id),
    )


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed) -> Response | tuple[str, int]:
    messages = {e.field: field_message(e.code, e.params) for e in exc.errors}
    if wants_json():
        response = jsonify(
            {"error": "validation", "message": " ".join(messages.values()), "fields": messages}
        )
        response.status_code = 422
        return response
    return render_template(
        "workspace/error.html", status=422, message=" ".join(messages.values())
    ), 422
