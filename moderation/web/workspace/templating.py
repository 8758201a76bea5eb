"""What every workspace template may use: navigation, labels and dates in the reader's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import format_datetime
from flask_babel import format_timedelta
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from jinja2.ext import _make_new_gettext
from jinja2.ext import _make_new_ngettext

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


def _bound_gettext() -> dict[str, Any]:
    """The template's ``_``/``gettext``/``ngettext`` bound to this request's catalog.

    Flask-Babel's global callables look the catalog up through the request context on
    every string: a queue page of 50 items said « Approuver » and its neighbours thousands
    of times, and those lookups were a quarter of the page's time. The same wrappers Jinja
    installs (escaping, %-formatting), over the catalog read once per render.
    """
    translations = get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
    }


class _PageLabels:
    """The ``labels`` module's word lists, each put in the reader's words once per page.

    A queue page shows the same status and rejection words for every one of its items;
    as lazy strings each showing was a catalog lookup.
    """

    def __init__(self) -> None:
        self._words: dict[str, dict[Any, str]] = {}

    def __getattr__(self, name: str) -> dict[Any, str]:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._words:
            self._words[name] = {key: str(word) for key, word in getattr(labels, name).items()}
        return self._words[name]


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {
        **_bound_gettext(),
        "workspace_navigation": navigation.links,
        "role_label": role_label,
        "format_when": format_when,
        "format_age": format_age,
        "format_duration": format_duration,
        "password_min_length": moderators.PASSWORD_MIN_LENGTH,
        "labels": _PageLabels(),
        "reason_summary": reason_summary,
        "reason_wording": reason_wording,
        "cursor_of": cursor_of,
    }


def reason_wording(code: str, params: dict[str, object]) -> str:
    """One reason of the log in the reader's words (the code itself if unknown)."""
    text = reason_text(code, params)
    return code if text is None else text
