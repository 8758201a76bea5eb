"""The models page (admins): the built-in models' versions, switching them, the shadow report.

Reads come from ``services.model_admin.overview``; the two buttons (activate a version,
roll a kind back) post to the page itself and go through the same service, which audits
them. A change answers with a redirect to the page (so reloading it repeats nothing) and
a refusal re-renders the page with the reason.
"""

from __future__ import annotations

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import LazyString
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import ModelVersionChanged
from moderation.errors import ModelVersionNotFound
from moderation.services import model_admin
from moderation.services import model_versions
from moderation.services.ports import Deps
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.forms import ModelChangeForm

Page = tuple[str, int]

KIND_LABELS: dict[str, LazyString] = {
    "spam": _l("Spam"),
    "toxicity": _l("Toxicity"),
}
SOURCE_LABELS: dict[str, LazyString] = {
    "csv": _l("An operator's file"),
    "moderators": _l("Moderators' decisions"),
}
#: What a change reports once the page is shown again (``?done=...``).
DONE = ("activated", "rolled_back", "unchanged")


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def percent(value: object, decimals: int = 1) -> str:
    """A share in the reader's language (« 66,7 % », "66.7%"); — if absent or not a number.

    One decimal by default, as the command line prints them: near 100 % the rounding to
    whole percents that other pages use would hide the difference that matters.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    locale = get_locale()
    if locale is None or decimals == 0:
        return str(format_percent(value))
    pattern = locale.percent_formats[None].pattern
    return str(format_percent(value, pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)))


def number(value: object, digits: int = 3) -> str:
    """A stored figure (ROC-AUC, F1) in the reader's language; — if absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return str(format_decimal(value, "0." + "0" * digits))


def threshold(value: float) -> str:
    """A threshold as typed in the settings (« 0,95 », "0.5")."""
    return str(format_decimal(value))


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def _done_message(overview: model_admin.Overview) -> str | None:
    """The words for ``?done=...&kind=...``, naming what is in force now."""
    done, kind = request.args.get("done"), request.args.get("kind")
    found = next((k for k in overview.kinds if k.kind == kind), None)
    if done not in DONE or found is None:
        return None
    label = kind_label(found.kind)
    if done == "unchanged":
        return str(_("%(kind)s: this version was already in force; nothing changed.", kind=label))
    if found.in_force is not None:
        version = found.in_force.version
        return str(_("%(kind)s: %(version)s is now in force.", kind=label, version=version))
    return str(
        _(
            "%(kind)s: the shipped model %(version)s is now in force.",
            kind=label,
            version=found.shipped_version or "—",
        )
    )


def _page(problem: str | None = None, status: int = 200) -> Page:
    overview = model_admin.overview(db.session(), _deps())
    html = render_template(
        "workspace/models.html",
        overview=overview,
        message=None if problem else _done_message(overview),
        problem=problem,
        kind_label=kind_label,
        source_labels=SOURCE_LABELS,
        percent=percent,
        number=number,
        threshold=threshold,
        shipped=model_versions.SHIPPED,
    )
    return html, status


@bp.get("/models")
@admin_required
def models() -> Page:
    return _page()


@bp.post("/models")
@admin_required
def change_model() -> Page | Response:
    form = ModelChangeForm()
    if not form.validate():
        return _page(_("This change could not be understood: reload the page and try again."), 422)
    session = db.session()
    kind, version_id = str(form.kind.data), form.version_id()
    now, me = _deps().clock.now(), signed_in().moderator.id
    activating = form.action.data == "activate"
    try:
        if activating:
            switch = model_admin.activate(session, kind, version_id, now=now, moderator_id=me)
        else:
            switch = model_admin.roll_back(
                session, kind, expected_id=version_id, now=now, moderator_id=me
            )
    except ModelVersionChanged:
        return _page(
            _(
                "The version in force changed since this page was shown, so nothing was done."
                " Check the table and try again."
            ),
            409,
        )
    except ModelVersionNotFound:
        if activating:
            return _page(_("This version does not exist, or is not a version of this model."), 404)
        return _page(_("There is nothing to roll back to: the shipped model is in force."), 409)
    done = "unchanged" if not switch.changed else "activated" if activating else "rolled_back"
    return redirect(url_for("workspace.models", done=done, kind=kind), 303)
