"""The moderation log page: every decision and audited act, filtered, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template
from flask import request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.db import db
from moderation.models import CommentStatus
from moderation.services import moderation_log
from moderation.services.audit import AuditAction
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required

ACTION_LABELS: dict[str, LazyString] = {
    AuditAction.SIGNED_IN.value: _l("Signed in"),
    AuditAction.SIGN_IN_FAILED.value: _l("Failed sign-in"),
    AuditAction.SIGN_IN_LOCKED.value: _l("Sign-in locked"),
    AuditAction.SIGNED_OUT.value: _l("Signed out"),
    AuditAction.PASSWORD_CHANGED.value: _l("Password changed"),
    AuditAction.SESSIONS_ENDED.value: _l("Sessions ended"),
    AuditAction.MODERATOR_INVITED.value: _l("Moderator invited"),
    AuditAction.INVITATION_ACCEPTED.value: _l("Invitation accepted"),
    AuditAction.ROLE_CHANGED.value: _l("Role changed"),
    AuditAction.MODERATOR_DEACTIVATED.value: _l("Account deactivated"),
    AuditAction.MODERATOR_REACTIVATED.value: _l("Account reactivated"),
    AuditAction.EMAIL_REVEALED.value: _l("Email revealed"),
    AuditAction.REPORTS_DISMISSED.value: _l("Reports dismissed"),
    AuditAction.AUTHOR_TRUSTED.value: _l("Author trusted"),
    AuditAction.AUTHOR_BLOCKED.value: _l("Author blocked"),
    AuditAction.ARTICLE_NOTE_CHANGED.value: _l("Article note changed"),
    AuditAction.EXPLANATION_CHANGED.value: _l("Rejection explanation changed"),
    AuditAction.SETTINGS_CHANGED.value: _l("Settings changed"),
    AuditAction.ARTICLE_CHANGED.value: _l("Article settings changed"),
    AuditAction.WORD_LIST_CHANGED.value: _l("Word list changed"),
    AuditAction.BLOCK_LIST_CHANGED.value: _l("Block list changed"),
    AuditAction.MODEL_ACTIVATED.value: _l("Model version put in force"),
    AuditAction.MODEL_ROLLED_BACK.value: _l("Model version rolled back"),
}
KIND_LABELS: dict[str, LazyString] = {
    moderation_log.LogKind.DECISIONS.value: _l("Decisions"),
    moderation_log.LogKind.ACTIONS.value: _l("Other actions (reveals, lists, settings, accounts)"),
}
WHO_LABELS: dict[str, LazyString] = {
    moderation_log.Who.ANYONE.value: _l("People and the system"),
    moderation_log.Who.PEOPLE.value: _l("People only"),
    moderation_log.Who.MACHINE.value: _l("The system only"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


@bp.context_processor
def _log_globals() -> dict[str, Any]:
    return {"log_action_label": action_label}


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> tuple[moderation_log.LogFilter, dict[str, Any]]:
    args = request.args
    kind = args.get("kind", "")
    who = args.get("who", "")
    date_from, date_to = _date("date_from"), _date("date_to")
    filters = moderation_log.LogFilter(
        kind=moderation_log.LogKind(kind)
        if kind in set(moderation_log.LogKind)
        else moderation_log.LogKind.DECISIONS,
        who=moderation_log.Who(who)
        if who in set(moderation_log.Who)
        else moderation_log.Who.ANYONE,
        moderator_id=args.get("moderator", type=int),
        action=args.get("action", "")[:40],
        comment=args.get("comment", "")[:40],
        article=args.get("article", "")[:200],
        since=dt.datetime.combine(date_from, dt.time(), dt.UTC) if date_from else None,
        until=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        if date_to
        else None,
    )
    query = {
        "kind": filters.kind.value,
        "who": filters.who.value,
        "moderator": filters.moderator_id or "",
        "action": filters.action,
        "comment": filters.comment,
        "article": filters.article,
        "date_from": date_from.isoformat() if date_from else "",
        "date_to": date_to.isoformat() if date_to else "",
    }
    return filters, query


@bp.get("/log")
@admin_required
def log() -> str:
    filters, query = _filters()
    session = db.session()
    found = moderation_log.page(session, filters, before_id=request.args.get("before", type=int))
    actions = (
        {s.value: s.value for s in CommentStatus}
        if filters.kind is moderation_log.LogKind.DECISIONS
        else {code: code for code in ACTION_LABELS}
    )
    return render_template(
        "workspace/log.html",
        page=found,
        filters=filters,
        query=query,
        actions=actions,
        kind_labels=KIND_LABELS,
        who_labels=WHO_LABELS,
        people=moderation_log.moderators(session),
    )
