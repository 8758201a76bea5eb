"""No cross-site writes: an unsafe request sent by another website's page is refused.

A hostile page can make its visitors' browsers post comments and reports (and workspace
forms) from their own addresses, which defeats per-address limits, address blocks and
one-report-per-reader. Browsers say where such a request comes from: ``Origin`` on every
cross-origin POST (and most same-origin ones), else ``Referer``. When either is present it
must name this service or a configured site (``MODERATION_ALLOWED_SITES``); a request
with neither (a server, a command-line client) is not a browser's and goes through, to
face the usual checks (tokens, CSRF, rate limits). ``Origin: null`` (a sandboxed frame, a
``data:`` page) names no site, so it is refused.

Both headers are read with the browser's own URL rules (:mod:`moderation.urls`).
"""

from __future__ import annotations

import logging

from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _

from moderation import urls
from moderation.config import Settings
from moderation.services.articles import host_allowed
from moderation.web.errors import problem

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def claimed_source() -> str | None:
    """The page the browser says the request comes from: ``Origin``, else ``Referer``."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin
    return request.headers.get("Referer") or None


def is_own_or_configured(source: str, settings: Settings) -> bool:
    """Whether ``source`` (an origin or a page address) is this service or a site of ours."""
    found = urls.origin_of(source)
    if found is None:
        return False
    own = {urls.origin_of(request.host_url), urls.origin_of(settings.site_url)}
    return found in own or host_allowed(source, settings.allowed_sites)


def refuse_cross_site() -> Response | None:
    """``before_request``: the refusal for an unsafe request from another site, else ``None``."""
    if request.method not in UNSAFE_METHODS:
        return None
    source = claimed_source()
    if source is None:
        return None
    settings: Settings = current_app.extensions["moderation.settings"]
    if is_own_or_configured(source, settings):
        return None
    found = urls.origin_of(source)
    # The origin only (never the page path, which may carry a reader's query string).
    logger.info(
        "cross-site write refused endpoint=%s origin=%s",
        request.endpoint,
        f"{found.scheme}://{found.host}:{found.port}" if found else "opaque",
    )
    title = _("This was sent from another website.")
    detail = _(
        "Comments, reports and other changes are accepted only from this service's pages "
        "and the newspaper's own website."
    )
    if request.path.startswith("/api/"):
        return problem(403, "cross-site", title, detail)
    html = render_template("embed/refused.html", title=title, detail=detail)
    response = current_app.response_class(html, status=403, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
