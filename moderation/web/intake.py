"""What every comment intake shares: limits from the settings, client hints, render tokens.

A render token is the signed time a form was shown. Intake reads it back to know how long
the reader took to write (automated posts are faster than any person); a missing or
forged token simply gives no timing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from flask import current_app
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from moderation.config import Settings
from moderation.services.comments import ClientInfo
from moderation.validation import Limits

RENDER_TOKEN_FIELD = "render_token"  # noqa: S105 - a form field name, not a secret
RENDER_TOKEN_MAX_AGE = 24 * 3600


def limits(settings: Settings) -> Limits:
    return Limits(
        name_max=settings.name_max_length,
        body_min=settings.body_min_length,
        body_max=settings.body_max_length,
        website_max=settings.website_max_length,
        check_deliverability=settings.check_deliverability,
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="render-token")


def render_token() -> str:
    """A token carrying the current time, signed with the app secret."""
    return _serializer().dumps(int(time.time()))


def elapsed_since_render(token: object) -> float | None:
    """Seconds since the form carrying ``token`` was rendered, or ``None`` if unusable."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        rendered = _serializer().loads(token, max_age=RENDER_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(rendered, int):
        return None
    return max(0.0, time.time() - rendered)


def client_info(data: Mapping[str, object]) -> ClientInfo:
    """Address, browser and origin of the request, and the time taken to write."""
    return ClientInfo(
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        origin=request.headers.get("Origin") or request.headers.get("Referer"),
        referrer=request.headers.get("Referer"),
        elapsed_seconds=elapsed_since_render(data.get(RENDER_TOKEN_FIELD)),
    )
