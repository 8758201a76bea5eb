"""The moderators' workspace: server-rendered pages under ``/moderate``.

Every page here is behind a sign-in (Flask-Login, server-side sessions), every unsafe
request carries a CSRF token (Flask-WTF), and every answer has a strict
Content-Security-Policy: scripts and styles come from our own static files only.

How to add a page:

1. Write the view in the module of its area (``queue.py``, ``people.py``... or a new one
   imported at the bottom of this file), on :data:`bp`, and say who may open it with
   ``@auth.moderator_required`` or ``@auth.admin_required``. A view that says neither is
   refused to everyone, and ``tests/web/test_workspace_access.py`` fails.
2. Its template extends ``workspace/base.html`` and fills ``{% block content %}``; every
   string a person reads goes through ``_()`` (both catalogs, fr and en).
3. Give it an entry in :data:`navigation.NAV`; the entry shows once the endpoint exists,
   to the people its role decorator lets in.
4. Forms are Flask-WTF forms (``forms.py``) rendered with ``{{ form.csrf_token }}``. No
   inline script or style (the CSP forbids them): behaviour goes in
   ``static/workspace.js``, whose ``post()`` sends the ``X-CSRFToken`` header.
5. Views stay thin: parse with a form, call one service, render. The request's single
   commit point (``web/transaction.py``) commits on success.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

from moderation.config import Settings

bp = Blueprint("workspace", __name__, url_prefix="/moderate")


def init_workspace(app: Flask, settings: Settings) -> None:
    """Sessions, CSRF and the workspace blueprint, on ``app``."""
    from moderation.web.workspace.auth import init_auth

    init_auth(app, settings)
    app.register_blueprint(bp)


# The page modules register their views on ``bp`` when imported.
from moderation.web.workspace import account  # noqa: E402,F401
from moderation.web.workspace import articles  # noqa: E402,F401
from moderation.web.workspace import canned  # noqa: E402,F401
from moderation.web.workspace import errors  # noqa: E402,F401
from moderation.web.workspace import lists  # noqa: E402,F401
from moderation.web.workspace import log  # noqa: E402,F401
from moderation.web.workspace import models_page  # noqa: E402,F401
from moderation.web.workspace import people  # noqa: E402,F401
from moderation.web.workspace import queue  # noqa: E402,F401
from moderation.web.workspace import site  # noqa: E402,F401
from moderation.web.workspace import stats  # noqa: E402,F401
from moderation.web.workspace import templating  # noqa: E402,F401
from moderation.web.workspace import webhooks  # noqa: E402,F401
