"""What every comment intake shares: limits from the settings, client hints, form tokens.

A form (render) token is the signed time a form was shown, for one article, with a random
nonce. Intake reads it back to know how long the reader took to write (automated posts
are faster than any person); the services spend its nonce, so a token works once. A
missing, forged, expired, reused or other-article token gives no timing, and the checks
hold a comment without one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

from flask import current_app
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from moderation.config import Settings
from moderation.services.comments import ClientInfo
from moderation.services.comments import FormToken
from moderation.services.ports import Deps
from moderation.validation import Limits

RENDER_TOKEN_FIELD = "render_token"  # noqa: S105 - a form field name, not a secret
RENDER_TOKEN_MAX_AGE = dt.timedelta(hours=12)
#: Headers a reader's browser proves authorship with (see ``services.authorship``).
AUTHOR_TOKEN_HEADER = "Moderation-Author-Token"  # noqa: S105 - a header name
HANDOFF_HEADER = "Moderation-Handoff"
#: The query parameter of the hand-off on the article page the reader returns to.
HANDOFF_PARAMETER = "moderation_handoff"


def limits(settings: Settings) -> Limits:
    return Limits(
        name_max=settings.name_max_length,
        body_min=settings.body_min_length,
        body_max=settings.body_max_length,
        website_max=settings.website_max_length,
        check_deliverability=settings.check_deliverability,
    )


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="render-token-v2")


def _article_tag(article_key: str) -> str:
    return hashlib.sha256(article_key.encode()).hexdigest()[:16]


def make_render_token(secret: str, article_key: str, issued_at: dt.datetime) -> str:
    """A token for a form about ``article_key`` shown at ``issued_at``."""
    payload = {
        "t": int(issued_at.timestamp()),
        "a": _article_tag(article_key),
        "n": secrets.token_urlsafe(12),
    }
    return _serializer(secret).dumps(payload)


def render_token(article_key: str) -> str:
    """A token for a form about ``article_key`` shown now."""
    deps = _deps()
    return make_render_token(deps.settings.secret_key, article_key, deps.clock.now())


def read_render_token(token: object, article_key: str) -> FormToken | None:
    """The genuine, unexpired token for ``article_key``, or ``None`` if unusable."""
    if not isinstance(token, str) or not token or len(token) > 300:
        return None
    deps = _deps()
    try:
        payload = _serializer(deps.settings.secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    issued, tag, nonce = payload.get("t"), payload.get("a"), payload.get("n")
    if (
        not isinstance(issued, int)
        or not isinstance(nonce, str)
        or tag != _article_tag(article_key)
    ):
        return None
    issued_at = dt.datetime.fromtimestamp(issued, dt.UTC)
    now = deps.clock.now()
    # A token from the future (clock skew between web processes aside) is a forgery.
    if issued_at > now + dt.timedelta(seconds=5) or now - issued_at > RENDER_TOKEN_MAX_AGE:
        return None
    return FormToken(issued_at, nonce, issued_at + RENDER_TOKEN_MAX_AGE)


def client_info(data: Mapping[str, object], article_key: str) -> ClientInfo:
    """Address, browser and origin of the request, and the form token sent with it."""
    return ClientInfo(
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        origin=request.headers.get("Origin") or request.headers.get("Referer"),
        form_token=read_render_token(data.get(RENDER_TOKEN_FIELD), article_key),
        referrer=request.headers.get("Referer"),
    )
