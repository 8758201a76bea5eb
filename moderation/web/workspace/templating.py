"""What every workspace template may use: navigation, labels and dates in the reader's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import format_datetime
from flask_babel import format_timedelta
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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
    """The template's ``gettext``/``ngettext`` bound to this request's catalog.

    Flask-Babel's global callables look the catalog up through the request context on
    every string: a queue page of 50 items said « Approuver » and its neighbours thousands
    of times, and those lookups were a quarter of the page's time. These read the catalog
    once per render and keep each variable-free string once translated, formatted and
    escaped; otherwise they behave as Jinja's own new-style wrappers: the translation is
    always a %-format string (``%%`` is a percent sign), and with autoescape on, the
    variables are escaped and the translation is not.
    """
    translations = get_translations()
    done: dict[tuple[str, bool], str] = {}

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        escaping = bool(context.eval_ctx.autoescape)
        if not variables and (string, escaping) in done:
            return done[string, escaping]
        text = translations.ugettext(string)
        result: str = (_catalog_markup(text) if escaping else text) % variables
        if not variables:
            done[string, escaping] = result
        return result

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (_catalog_markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"gettext": gettext, "ngettext": ngettext}


def _catalog_markup(text: str) -> Markup:
    """A translation as markup: the catalogs are ours and may hold tags, as Jinja assumes.

    What is formatted into it (``%`` with the template's variables) is escaped by Markup.
    """
    return Markup(text)  # noqa: S704 - our own catalog's text, never the reader's


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
