"""Cross-origin rules for the JSON API, from the configured news sites.

With sites configured, only their origins get CORS headers (reads and writes); any other
origin gets none, so browsers refuse. With no site configured, public reads are open to
every origin and cross-origin writes to none. The moderator API never answers cross-origin.
"""

from __future__ import annotations

from flask import Response
from flask import current_app
from flask import request

from moderation.config import Settings
from moderation.services.articles import host_allowed

#: Request headers the widget sends: its proof of authorship too (``web.intake``).
ALLOWED_HEADERS = "Content-Type, Accept-Language, Moderation-Author-Token, Moderation-Handoff"


def add_cors_headers(response: Response) -> Response:
    path = request.path
    if not path.startswith("/api/v1/") or path.startswith("/api/v1/moderation"):
        return response
    origin = request.headers.get("Origin")
    if not origin:
        return response
    settings: Settings = current_app.extensions["moderation.settings"]
    response.vary.add("Origin")
    if host_allowed(origin, settings.allowed_sites):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
        # The widget reads these: where the new comment lives, and how long to wait.
        response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
    elif not settings.allowed_sites and request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def frame_ancestors(settings: Settings) -> str:
    """The CSP ``frame-ancestors`` value: this service and the configured sites."""
    sources = ["'self'", *(site.rstrip("/") for site in settings.allowed_sites)]
    return "frame-ancestors " + " ".join(sources)
