"""Admins edit the word list and the block list, one entry at a time or as text."""

from __future__ import annotations

import datetime as dt

from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from moderation import pipeline
from moderation.db import db
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.pipeline.types import ANY_LANGUAGE
from moderation.services import list_editing
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in

WORD_ACTION_LABELS: dict[str, LazyString] = {
    pipeline.WordAction.REJECT.value: _l("Banned (rejected)"),
    pipeline.WordAction.HOLD.value: _l("Held for a moderator"),
    pipeline.WordAction.FLAG.value: _l("Flagged (pointed out only)"),
}
BLOCK_KIND_LABELS: dict[str, LazyString] = {
    pipeline.BlockKind.EMAIL.value: _l("Email address"),
    pipeline.BlockKind.EMAIL_DOMAIN.value: _l("Email domain"),
    pipeline.BlockKind.IP.value: _l("IP address"),
    pipeline.BlockKind.CIDR.value: _l("Network (CIDR)"),
}
BLOCK_ACTION_LABELS: dict[str, LazyString] = {
    pipeline.BlockAction.SPAM.value: _l("Mark as spam"),
    pipeline.BlockAction.REJECT.value: _l("Reject"),
    pipeline.BlockAction.HOLD.value: _l("Hold for a moderator"),
    pipeline.BlockAction.ALLOW.value: _l("Allow (trusted)"),
}
LANGUAGE_LABELS: dict[str, LazyString] = {
    ANY_LANGUAGE: _l("Any language"),
    "fr": _l("French"),
    "en": _l("English"),
}


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _actor() -> list_editing.Actor:
    moderator = signed_in().moderator
    return list_editing.Actor(moderator.id, moderator.display_name)


def _page(
    *,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    form: str = "",
) -> tuple[str, int]:
    session = db.session()
    html = render_template(
        "workspace/lists.html",
        words=list_editing.word_entries(session),
        blocks=list_editing.block_entries(session),
        message=message,
        errors=errors or {},
        failed_form=form,
        submitted=request.form if errors else {},
        word_actions=WORD_ACTION_LABELS,
        block_kinds=BLOCK_KIND_LABELS,
        block_actions=BLOCK_ACTION_LABELS,
        languages=LANGUAGE_LABELS,
    )
    return html, 422 if errors else 200


def _failed(failed: ValidationFailed, form: str) -> tuple[str, int]:
    errors = {f"{form}-{e.field}": field_message(e.code, e.params) for e in failed.errors}
    return _page(errors=errors, form=form)


@bp.get("/lists")
@admin_required
def lists() -> tuple[str, int]:
    return _page()


@bp.post("/lists/words")
@admin_required
def add_word() -> tuple[str, int]:
    try:
        list_editing.add_word(
            db.session(),
            request.form.get("term", ""),
            action=request.form.get("action", ""),
            language=request.form.get("language", ""),
            by=_actor(),
            now=_deps().clock.now(),
        )
    except ValidationFailed as failed:
        return _failed(failed, "word")
    return _page(message=_("The word is added."))


@bp.post("/lists/words/<int:entry_id>/delete")
@admin_required
def remove_word(entry_id: int) -> tuple[str, int]:
    list_editing.remove_word(db.session(), entry_id, by=_actor(), now=_deps().clock.now())
    return _page(message=_("The word is removed."))


@bp.post("/lists/words/import")
@admin_required
def import_words() -> tuple[str, int]:
    try:
        added = list_editing.import_words(
            db.session(), request.form.get("text", ""), by=_actor(), now=_deps().clock.now()
        )
    except ValidationFailed as failed:
        return _failed(failed, "word-import")
    return _page(message=ngettext("%(num)d word added.", "%(num)d words added.", added))


@bp.get("/lists/words.txt")
@admin_required
def export_words() -> Response:
    return _text(list_editing.export_words(db.session()), "word-list")


@bp.post("/lists/blocks")
@admin_required
def add_block() -> tuple[str, int]:
    deps = _deps()
    now = deps.clock.now()
    days = request.form.get("days", "").strip()
    expires_at = None
    if days:
        if not days.isdigit() or not 1 <= int(days) <= 3650:
            problem = FieldError("days", "out_of_range", {"min": 1, "max": 3650})
            return _failed(ValidationFailed([problem]), "block")
        expires_at = now + dt.timedelta(days=int(days))
    try:
        list_editing.add_block(
            db.session(),
            deps.settings.secret_key,
            kind=request.form.get("kind", ""),
            value=request.form.get("value", ""),
            action=request.form.get("action", ""),
            expires_at=expires_at,
            note=request.form.get("note", ""),
            by=_actor(),
            now=now,
            ip_storage=deps.settings.ip_storage,
        )
    except ValidationFailed as failed:
        return _failed(failed, "block")
    return _page(message=_("The block is added."))


@bp.post("/lists/blocks/<int:entry_id>/delete")
@admin_required
def remove_block(entry_id: int) -> tuple[str, int]:
    list_editing.remove_block(db.session(), entry_id, by=_actor(), now=_deps().clock.now())
    return _page(message=_("The block is removed."))


@bp.post("/lists/blocks/import")
@admin_required
def import_blocks() -> tuple[str, int]:
    deps = _deps()
    try:
        added = list_editing.import_blocks(
            db.session(),
            deps.settings.secret_key,
            request.form.get("text", ""),
            by=_actor(),
            now=deps.clock.now(),
            ip_storage=deps.settings.ip_storage,
        )
    except ValidationFailed as failed:
        return _failed(failed, "block-import")
    return _page(message=ngettext("%(num)d block added.", "%(num)d blocks added.", added))


@bp.get("/lists/blocks.txt")
@admin_required
def export_blocks() -> Response:
    return _text(list_editing.export_blocks(db.session()), "block-list")


def _text(body: str, name: str) -> Response:
    response = Response(body, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    return response
