"""WSGI entry point for gunicorn: ``gunicorn moderation.wsgi:app``."""

from __future__ import annotations

from moderation import create_app
from moderation import settle_collector

app = create_app()
settle_collector()
