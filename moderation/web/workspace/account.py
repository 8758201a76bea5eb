"""Signing in and out, and one's own account: password and open sessions."""

from __future__ import annotations

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session as cookie_session
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.services import access
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace.auth import SignedIn
from moderation.web.workspace.auth import lifetimes
from moderation.web.workspace.auth import moderator_required
from moderation.web.workspace.auth import public
from moderation.web.workspace.auth import safe_next
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.forms import PasswordForm
from moderation.web.workspace.forms import SignInForm


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        deps = _deps()
        attempt = access.sign_in(
            db.session(),
            deps.settings.secret_key,
            form.email.data,
            form.password.data,
            deps.clock.now(),
        )
        if attempt.moderator is not None:
            token = access.open_session(
                db.session(),
                attempt.moderator,
                deps.clock.now(),
                lifetimes(),
                request.headers.get("User-Agent", ""),
            )
            language = cookie_session.get("lang")
            # A fresh cookie: nothing from before signing in (a planted id, an old CSRF
            # token) survives into the signed-in session.
            cookie_session.clear()
            if language:
                cookie_session["lang"] = language
            cookie_session.permanent = True
            login_user(SignedIn(attempt.moderator, token))
            return redirect(safe_next(request.args.get("next")))
        # The same words whatever failed, so they tell nothing about which accounts exist.
        if attempt.outcome is access.SignInOutcome.LOCKED:
            error = _(
                "Too many failed attempts for this account: try again in %(minutes)s minutes.",
                minutes=int(access.LOCK_DURATION.total_seconds() // 60),
            )
        else:
            error = _("Wrong email or password.")
    # Answered 200 even on failure: the failure count must be committed (an error status
    # rolls the request back), and the page is the same form again.
    return render_template("workspace/login.html", form=form, error=error)


@bp.post("/logout")
@moderator_required
def logout() -> Response:
    access.end_session(db.session(), signed_in().token, _deps().clock.now())
    logout_user()
    language = cookie_session.get("lang")
    cookie_session.clear()
    if language:
        cookie_session["lang"] = language
    return redirect(url_for("workspace.login"))


@bp.route("/account", methods=["GET", "POST"])
@moderator_required
def account() -> str:
    me = signed_in()
    form = PasswordForm()
    changed = False
    if form.validate_on_submit():
        try:
            access.change_password(
                db.session(),
                me.moderator,
                current=form.current_password.data,
                new=form.new_password.data,
                keep_raw=me.token,
                now=_deps().clock.now(),
            )
            changed = True
        except ValidationFailed as failed:
            for error in failed.errors:
                getattr(form, error.field).errors.append(field_message(error.code, error.params))
    return _account_page(form, changed=changed)


@bp.post("/account/sessions/end-others")
@moderator_required
def end_other_sessions() -> str:
    me = signed_in()
    access.end_other_sessions(db.session(), me.moderator, me.token, _deps().clock.now())
    return _account_page(PasswordForm(formdata=None), ended=True)


def _account_page(form: PasswordForm, *, changed: bool = False, ended: bool = False) -> str:
    me = signed_in()
    sessions = access.live_sessions(db.session(), me.moderator, _deps().clock.now())
    return render_template(
        "workspace/account.html",
        form=form,
        changed=changed,
        ended=ended,
        sessions=sessions,
        current_hash=access.token_hash(me.token),
    )
