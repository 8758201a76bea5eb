"""Who may open what in the workspace: sessions, roles, CSRF and the security headers.

A view declares its audience with :func:`moderator_required`, :func:`admin_required` or
:func:`public`; the blueprint's guard enforces it before the view runs and refuses any
view that declares nothing (fail closed). Every unsafe request must carry a CSRF token,
checked here for the whole blueprint rather than per form, so a fetch cannot forget it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import request
from flask import session as cookie_session
from flask import url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from moderation.config import Settings
from moderation.db import db
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import access
from moderation.services import moderators
from moderation.services.ports import Deps
from moderation.web.i18n import SUPPORTED_LOCALES
from moderation.web.workspace import bp

login_manager = LoginManager()
csrf = CSRFProtect()

ROLE_ATTRIBUTE = "workspace_role"
PUBLIC = "public"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The workspace's own policy, stricter than the rest of the service: nothing but our own
#: files, no framing at all, no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)

View = TypeVar("View", bound=Callable[..., Any])


class SignedIn(UserMixin):  # type: ignore[misc]  # flask_login is untyped
    """The person behind the request, and the session token their cookie carries."""

    def __init__(self, moderator: Moderator, token: str) -> None:
        self.moderator = moderator
        self.token = token

    def get_id(self) -> str:
        # Flask-Login keeps this in the signed cookie: the session token, never the
        # account id, so ending the server-side session ends the cookie too.
        return self.token

    @property
    def is_admin(self) -> bool:
        return self.moderator.role is ModeratorRole.ADMIN


class Anonymous(AnonymousUserMixin):  # type: ignore[misc]
    is_admin = False
    moderator = None
    token = None


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def lifetimes() -> access.Lifetimes:
    settings = _deps().settings
    return access.Lifetimes(
        absolute=dt.timedelta(hours=settings.session_hours),
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
    )


def signed_in() -> SignedIn:
    """The signed-in person (only inside a view that requires one)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def moderator_required(view: View) -> View:
    """Any active member of the desk may open this view."""
    setattr(view, ROLE_ATTRIBUTE, ModeratorRole.MODERATOR.value)
    return view


def admin_required(view: View) -> View:
    """Only admins may open this view."""
    setattr(view, ROLE_ATTRIBUTE, ModeratorRole.ADMIN.value)
    return view


def public(view: View) -> View:
    """Anyone may open this view (the sign-in page)."""
    setattr(view, ROLE_ATTRIBUTE, PUBLIC)
    return view


def role_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, ROLE_ATTRIBUTE, None)


def allowed(view: Callable[..., Any]) -> bool:
    """Whether the current person may open ``view``."""
    role = role_of(view)
    if role == PUBLIC:
        return True
    if not current_user.is_authenticated:
        return False
    if role == ModeratorRole.ADMIN.value:
        return bool(current_user.is_admin)
    return role == ModeratorRole.MODERATOR.value


def wants_json() -> bool:
    """Whether the request comes from the page's script (it answers JSON or fragments)."""
    return request.headers.get("X-Requested-With") == "fetch"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the workspace (no open redirect)."""
    default = url_for("workspace.queue")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/moderate"):
        return default
    if target.startswith("//") or "\\" in target:
        return default
    return target


@bp.before_request
def _guard() -> BaseResponse | None:
    asked = request.args.get("lang")
    if asked in SUPPORTED_LOCALES:
        cookie_session["lang"] = asked
    if request.method not in SAFE_METHODS:
        csrf.protect()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None  # a 404 or 405 follows
    role = role_of(view)
    if role == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    if role not in (ModeratorRole.MODERATOR.value, ModeratorRole.ADMIN.value):
        abort(403)  # a view that names no audience is open to nobody
    if not allowed(view):
        abort(403)
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    # Pages show emails and decisions: never in a shared cache or the back-forward cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def _load(token: str) -> SignedIn | None:
    found = access.session_moderator(db.session(), token, _deps().clock.now(), lifetimes())
    return SignedIn(found[0], token) if found is not None else None


def _unauthorized() -> BaseResponse:
    if wants_json():
        response = jsonify({"error": "signed_out", "message": _("Please sign in again.")})
        response.status_code = 401
        return response
    target = request.full_path if request.method in SAFE_METHODS else None
    return redirect(url_for("workspace.login", next=target))


def init_auth(app: Flask, settings: Settings) -> None:
    """Session cookie, Flask-Login and Flask-WTF settings for the workspace."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Production is served over HTTPS: the cookie is then Secure and host-only
        # (the __Host- prefix makes browsers refuse it otherwise).
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="__Host-moderation" if settings.is_production else "moderation",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        # Checked by the workspace guard only: the public API and embed take posts from
        # news sites without cookies, and the moderator API authenticates by token.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A queue stays open for hours; the token lives as long as the session instead.
        WTF_CSRF_TIME_LIMIT=None,
    )
    login_manager.init_app(app)
    login_manager.user_loader(_load)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    moderators.prepare_sign_in()
