"""Admins edit the canned explanations sent with each rejection reason, in fr and en."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.services import explanations
from moderation.services.decisions import RejectionReason
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in


@bp.route("/explanations", methods=["GET", "POST"])
@admin_required
def explanations_page() -> tuple[str, int]:
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST":
        deps: Deps = current_app.extensions["moderation.deps"]
        for reason in RejectionReason:
            try:
                explanations.save(
                    db.session(),
                    reason,
                    text_fr=request.form.get(f"{reason.value}-text_fr", ""),
                    text_en=request.form.get(f"{reason.value}-text_en", ""),
                    moderator_id=signed_in().moderator.id,
                    now=deps.clock.now(),
                )
            except ValidationFailed as failed:
                for error in failed.errors:
                    errors[f"{reason.value}-{error.field}"] = field_message(
                        error.code, error.params
                    )
        saved = not errors
    current = explanations.all_explanations(db.session())
    values = {
        f"{reason.value}-{lang}": request.form.get(f"{reason.value}-{lang}")
        if request.method == "POST"
        else getattr(current.get(reason), lang, "")
        for reason in RejectionReason
        for lang in ("text_fr", "text_en")
    }
    html = render_template(
        "workspace/explanations.html",
        reasons=list(RejectionReason),
        values=values,
        errors=errors,
        saved=saved,
        max_length=explanations.MAX_LENGTH,
    )
    return html, 422 if errors else 200
