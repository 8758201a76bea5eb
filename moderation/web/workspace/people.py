"""The desk's accounts (admins): invite, change a role, deactivate; accepting an invitation."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import url_for
from werkzeug.exceptions import NotFound

from moderation.db import db
from moderation.errors import InvalidToken
from moderation.errors import ValidationFailed
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import public
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.forms import InviteForm
from moderation.web.workspace.forms import NewPasswordForm
from moderation.web.workspace.forms import RoleForm


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _account(moderator_id: int) -> Moderator:
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None:
        raise NotFound()
    return moderator


def _page(
    invite_form: InviteForm | None = None,
    *,
    invited: Moderator | None = None,
    link: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    html = render_template(
        "workspace/moderators.html",
        people=moderators.moderators(db.session()),
        invite_form=invite_form or InviteForm(formdata=None),
        role_form=RoleForm,
        invited=invited,
        link=link,
        problem=problem,
        me=signed_in().moderator,
    )
    return html, status


@bp.get("/moderators")
@admin_required
def moderators_page() -> tuple[str, int]:
    return _page()


@bp.post("/moderators")
@admin_required
def invite() -> tuple[str, int]:
    form = InviteForm()
    if not form.validate():
        return _page(form, status=422)
    deps = _deps()
    now = deps.clock.now()
    try:
        invited = moderators.invite(
            db.session(),
            form.email.data,
            role=ModeratorRole(form.role.data),
            display_name=form.display_name.data or "",
            by=signed_in().moderator,
            now=now,
        )
    except ValidationFailed as failed:
        for error in failed.errors:
            getattr(form, error.field).errors.append(field_message(error.code, error.params))
        return _page(form, status=422)
    token = moderators.invitation_token(deps.settings.secret_key, invited, now)
    link = deps.settings.site_url + url_for("workspace.invitation", token=token)
    return _page(invited=invited, link=link)


@bp.post("/moderators/<int:moderator_id>/role")
@admin_required
def change_role(moderator_id: int) -> tuple[str, int]:
    form = RoleForm()
    if not form.validate():
        return _page(status=422)
    try:
        moderators.change_role(
            db.session(),
            _account(moderator_id),
            ModeratorRole(form.role.data),
            by=signed_in().moderator,
            now=_deps().clock.now(),
        )
    except ValidationFailed as failed:
        return _page(problem=field_message(failed.errors[0].code, {}), status=409)
    return _page()


@bp.post("/moderators/<int:moderator_id>/deactivate")
@admin_required
def deactivate(moderator_id: int) -> tuple[str, int]:
    return _set_active(moderator_id, False)


@bp.post("/moderators/<int:moderator_id>/reactivate")
@admin_required
def reactivate(moderator_id: int) -> tuple[str, int]:
    return _set_active(moderator_id, True)


def _set_active(moderator_id: int, active: bool) -> tuple[str, int]:
    try:
        moderators.set_active(
            db.session(),
            _account(moderator_id),
            active,
            by=signed_in().moderator,
            now=_deps().clock.now(),
        )
    except ValidationFailed as failed:
        return _page(problem=field_message(failed.errors[0].code, {}), status=409)
    return _page()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation(token: str) -> tuple[str, int]:
    deps = _deps()
    form = NewPasswordForm()
    try:
        invited = moderators.invited_moderator(
            db.session(), deps.settings.secret_key, token, deps.clock.now()
        )
    except InvalidToken:
        return render_template("workspace/invitation.html", form=None, invited=None), 404
    if form.validate_on_submit():
        try:
            moderators.accept_invitation(
                db.session(),
                deps.settings.secret_key,
                token,
                form.new_password.data,
                deps.clock.now(),
            )
            return render_template("workspace/invitation.html", form=None, invited=invited), 200
        except ValidationFailed as failed:
            for error in failed.errors:
                form.new_password.errors.append(field_message(error.code, error.params))
    return render_template(
        "workspace/invitation.html", form=form, invited=invited, pending=True
    ), 200
