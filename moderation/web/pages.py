"""The service's own pages: its home, and the demo article's comment section."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug.wrappers import Response

bp = Blueprint("pages", __name__)

DEMO_KEY = "demo"


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/demo")
def demo() -> Response:
    """The demo article's comment section, as the no-JavaScript page shows it."""
    return redirect(url_for("embed.thread_page", article_key=DEMO_KEY))
