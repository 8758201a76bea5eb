"""The HTTP surface: blueprints, error handlers, language selection and security headers."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask_babel import Babel
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation import urls
from moderation.config import Settings
from moderation.web import api
from moderation.web import embed
from moderation.web import moderation_api
from moderation.web import openapi
from moderation.web import pages
from moderation.web import webhooks_api
from moderation.web.cors import add_cors_headers
from moderation.web.errors import register_error_handlers
from moderation.web.i18n import FIELD_LABELS
from moderation.web.i18n import select_locale
from moderation.web.origin import refuse_cross_site
from moderation.web.ratelimit import RateLimiter
from moderation.web.transaction import commit_or_roll_back
from moderation.web.workspace import init_workspace


def register_web(app: Flask, settings: Settings) -> None:
    """Attach everything an HTTP request needs to ``app``."""
    if settings.trusted_proxies:
        # Only as many X-Forwarded-For hops as there are proxies we run: a client cannot
        # choose its own address (and so its rate-limit key) by sending the header.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    Babel(app, locale_selector=select_locale, default_domain="messages")
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["field_label"] = lambda name: str(FIELD_LABELS.get(name, name))
    # Websites are validated at intake; the templates check again before making a link.
    app.jinja_env.tests["web_url"] = is_web_url
    # Before every blueprint's own checks (the workspace's CSRF, the API's token).
    app.before_request(refuse_cross_site)
    app.extensions["moderation.ratelimiter"] = RateLimiter(
        settings.rate_limit, settings.redis_url or "memory://", settings.secret_key
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(moderation_api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(embed.bp)
    init_workspace(app, settings)
    app.register_blueprint(webhooks_api.bp)
    register_error_handlers(app)
    # Registered first, so it runs last: headers are added before the commit decides.
    app.after_request(commit_or_roll_back)
    app.after_request(add_cors_headers)
    app.after_request(_security_headers)


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an http(s) address (the only kind a template may link)."""
    if not isinstance(value, str):
        return False
    stripped = "".join(ch for ch in value if ch > " ").lower()
    if not (stripped.startswith(("http://", "https://")) and stripped == value.lower()):
        return False
    # And a browser must read a host into it ("https://" or "http://[" lead nowhere).
    return urls.web_url(value) is not None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'self'; form-action 'self'",
        )
    return response
