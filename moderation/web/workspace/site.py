"""Admins change the site settings that may move at run time (stored, audited)."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.config import PremoderationMode
from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.services import site_settings
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in

PREMODERATION_LABELS: dict[str, LazyString] = {
    PremoderationMode.NONE.value: _l("None: publish what the checks approve"),
    PremoderationMode.FIRST_TIME.value: _l("First-time authors wait for a moderator"),
    PremoderationMode.LINKS.value: _l("Comments with links wait for a moderator"),
    PremoderationMode.ALL.value: _l("Every comment waits for a moderator"),
}

#: Label and hint of each editable setting, grouped as the page shows them.
GROUPS: tuple[tuple[LazyString, tuple[tuple[str, LazyString, LazyString], ...]], ...] = (
    (
        _l("Publishing"),
        (
            ("premoderation", _l("Premoderation"), _l("Articles may choose their own mode.")),
            (
                "close_after_days",
                _l("Close comments after (days)"),
                _l("Counted from when the article was registered; 0 never closes."),
            ),
            ("max_links", _l("Link limit"), _l("A comment with this many links is held.")),
            (
                "accepted_languages",
                _l("Accepted languages"),
                _l("Codes separated by commas; comments in other languages are held."),
            ),
        ),
    ),
    (
        _l("Decision policy"),
        (
            (
                "score_hold_at",
                _l("Hold from score"),
                _l("A classifier score from this value holds the comment (0 to 1)."),
            ),
            (
                "score_reject_at",
                _l("Reject from score"),
                _l("A score from this value rejects it (0 to 1, not below the hold score)."),
            ),
        ),
    ),
    (
        _l("Surge detection"),
        (
            (
                "surge_window_minutes",
                _l("Window (minutes)"),
                _l("How many recent minutes are compared with the article's day."),
            ),
            (
                "surge_factor",
                _l("Rate factor"),
                _l("A rate this many times the usual one starts surge mode."),
            ),
            (
                "surge_min_comments",
                _l("Minimum comments"),
                _l("Fewer comments in the window never start surge mode."),
            ),
            (
                "surge_held_share",
                _l("Share of refused comments"),
                _l("This share of held or refused comments also starts it (0 to 1)."),
            ),
            (
                "surge_minutes",
                _l("Duration (minutes)"),
                _l("How long an article stays premoderated once a surge starts."),
            ),
        ),
    ),
)


def shown(value: object) -> str:
    """A setting's value as the form shows it."""
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, PremoderationMode):
        return value.value
    return str(value)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings() -> tuple[str, int]:
    deps: Deps = current_app.extensions["moderation.deps"]
    session = db.session()
    errors: dict[str, str] = {}
    changed: list[str] | None = None
    if request.method == "POST":
        submitted = {
            spec.key: request.form.get(spec.key, "")
            for spec in site_settings.EDITABLE
            if spec.key in request.form
        }
        try:
            changed = site_settings.save(
                session,
                deps.settings,
                submitted,
                moderator_id=signed_in().moderator.id,
                now=deps.clock.now(),
            )
        except ValidationFailed as failed:
            errors = {e.field: field_message(e.code, e.params) for e in failed.errors}
    current = site_settings.effective(session, deps.settings)
    values = {
        spec.key: request.form.get(spec.key, "") if errors else shown(getattr(current, spec.key))
        for spec in site_settings.EDITABLE
    }
    html = render_template(
        "workspace/settings.html",
        groups=GROUPS,
        specs=site_settings.BY_KEY,
        values=values,
        defaults={s.key: shown(getattr(deps.settings, s.key)) for s in site_settings.EDITABLE},
        overridden=site_settings.overrides(session),
        premoderation_labels=PREMODERATION_LABELS,
        errors=errors,
        changed=changed,
    )
    return html, 422 if errors else 200
