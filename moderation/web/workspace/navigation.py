"""The workspace's main navigation: one entry per page, in the order moderators see them.

An entry is shown once its endpoint exists and to the people its view lets in (the role
comes from the view's own decorator, so it is written once). Pages still to come keep
their place here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask import request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.web.workspace.auth import allowed


@dataclass(frozen=True, slots=True)
class NavEntry:
    endpoint: str
    label: LazyString


NAV: tuple[NavEntry, ...] = (
    NavEntry("workspace.queue", _l("Queue")),
    NavEntry("workspace.articles", _l("Articles")),
    NavEntry("workspace.settings", _l("Settings")),
    NavEntry("workspace.lists", _l("Word and block lists")),
    NavEntry("workspace.moderators_page", _l("Moderators")),
    NavEntry("workspace.explanations_page", _l("Rejection explanations")),
    NavEntry("workspace.log", _l("Moderation log")),
    NavEntry("workspace.stats", _l("Statistics")),
    NavEntry("workspace.webhooks", _l("Webhooks")),
    NavEntry("workspace.models", _l("Models")),
)


@dataclass(frozen=True, slots=True)
class NavLink:
    endpoint: str
    label: str
    current: bool


def links() -> list[NavLink]:
    """The entries the signed-in person may open, marking the current page."""
    views = current_app.view_functions
    return [
        NavLink(entry.endpoint, str(entry.label), request.endpoint == entry.endpoint)
        for entry in NAV
        if entry.endpoint in views and allowed(views[entry.endpoint])
    ]
