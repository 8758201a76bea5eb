"""What every workspace template may use: navigation, labels and dates in the reader's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import format_datetime
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l

from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services.ports import Deps
from moderation.services.queue import cursor_of
from moderation.web.i18n import reason_summary
from moderation.web.i18n import reason_text
from moderation.web.workspace import bp
from moderation.web.workspace import labels
from moderation.web.workspace import navigation

ROLE_LABELS = {
    ModeratorRole.ADMIN: _l("Administrator"),
    ModeratorRole.MODERATOR: _l("Moderator"),
}


def _now() -> dt.datetime:
    deps: Deps = current_app.extensions["moderation.deps"]
    return deps.clock.now()


def role_label(role: ModeratorRole) -> str:
    return str(ROLE_LABELS[role])


def format_when(value: dt.datetime | None) -> str:
    """A date and time in the reader's language and the site's time zone."""
    return str(format_datetime(value, "short")) if value is not None else "—"


def format_age(value: dt.datetime | None) -> str:
    """How long ago, in words (« il y a 3 minutes »)."""
    if value is None:
        return "—"
    return str(format_timedelta(value - _now(), add_direction=True, threshold=1.0))


def format_duration(seconds: float | None) -> str:
    """A duration in words (« 2 heures »)."""
    if seconds is None:
        return "—"
    return str(format_timedelta(dt.timedelta(seconds=seconds), threshold=1.0))


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {
        "workspace_navigation": navigation.links,
        "role_label": role_label,
        "format_when": format_when,
        "format_age": format_age,
        "format_duration": format_duration,
        "password_min_length": moderators.PASSWORD_MIN_LENGTH,
        "labels": labels,
        "reason_summary": reason_summary,
        "reason_wording": reason_wording,
        "cursor_of": cursor_of,
    }


def reason_wording(code: str, params: dict[str, object]) -> str:
    """One reason of the log in the reader's words (the code itself if unknown)."""
    text = reason_text(code, params)
    return code if text is None else text
